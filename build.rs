//! Protobuf code generation for the gRPC example and end-to-end tests.
//!
//! Runs only with the `grpc-examples` feature, so ordinary builds of the
//! library compile no protobuf tooling. `protoc` comes from
//! `protoc-bin-vendored`: nothing beyond cargo is needed.

fn main() {
    #[cfg(feature = "grpc-examples")]
    grpc();
}

#[cfg(feature = "grpc-examples")]
fn grpc() {
    println!("cargo:rerun-if-changed=proto/users.proto");
    let protoc = protoc_bin_vendored::protoc_bin_path()
        .unwrap_or_else(|e| panic!("no vendored protoc for this platform: {e}"));
    let mut config = tonic_prost_build::Config::new();
    config.protoc_executable(protoc);
    tonic_prost_build::configure()
        .compile_with_config(config, &["proto/users.proto"], &["proto"])
        .unwrap_or_else(|e| panic!("protobuf code generation failed: {e}"));
}
