//! Entry point: installs the panic hook and mounts the app; everything else is in the lib.

fn main() {
    pipelab_app::start();
}
