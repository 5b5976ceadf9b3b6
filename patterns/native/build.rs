//! Compiles src/walk.c against the internal headers of the tree-sitter crate this
//! library links (the walk reads tree-sitter's subtrees, whose layout is private to
//! that exact version: Cargo.toml pins it).

use std::env;
use std::path::PathBuf;

fn main() {
    // The tree-sitter crate (`links = "tree-sitter"`) publishes its public include
    // folder; the private headers sit beside it in `src/`.
    let include = PathBuf::from(
        env::var("DEP_TREE_SITTER_INCLUDE").expect("the tree-sitter crate names its include folder"),
    );
    let private = include.parent().expect("the tree-sitter crate's folder").join("src");
    println!("cargo:rerun-if-changed=src/walk.c");
    cc::Build::new()
        .file("src/walk.c")
        .include(&include)
        .include(&private)
        .std("c11")
        .opt_level(3)
        .flag_if_supported("-fvisibility=hidden")
        .warnings(false)
        .compile("fixstream_walk");
}
