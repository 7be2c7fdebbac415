//! The committed slice against Microsoft's real published v1.0 metadata.
//!
//! The metadata is not part of the repository. It is read from
//! `$GRAPH_TEAMS_ADMIN_UPSTREAM_DIR/v1.0-cleanMetadata.xml`, or, without the
//! variable, from `../shared/upstream/` next to the workspace (the
//! maintainers' layout). When it is absent these tests say "skipped: …" and
//! pass.

use std::path::PathBuf;

use xtask::codegen::Settings;
use xtask::slice::{self, Origin, SliceRule};
use xtask::spec::prepare;
use xtask::workspace::UPSTREAM_DIR_VAR;
use xtask::{defaults, diff, upstream_dir, workspace_root};

fn upstream() -> Option<PathBuf> {
    let p = upstream_dir(&workspace_root().unwrap()).join("v1.0-cleanMetadata.xml");
    if p.exists() {
        Some(p)
    } else {
        println!(
            "skipped: {} is not present (it is not part of the repository; set {UPSTREAM_DIR_VAR} to the directory holding v1.0-cleanMetadata.xml)",
            p.display()
        );
        None
    }
}

#[test]
fn the_committed_slice_differs_from_the_real_metadata_only_where_explained() {
    let Some(csdl) = upstream() else { return };
    let root = workspace_root().unwrap();
    let rule = SliceRule::from_record(&root.join(defaults::RECORD)).unwrap();
    let origin = Origin {
        server_url: Some("https://graph.microsoft.com/v1.0/".into()),
        ..Default::default()
    };
    let cut = slice::cut(&csdl, &rule, &origin, "v1.0-from-csdl.yaml").unwrap();
    assert_eq!(cut.provenance.kind, "upstream-csdl");
    let dir = tempfile::tempdir().unwrap();
    let converted = dir.path().join("v1.0-from-csdl.yaml");
    std::fs::write(&converted, &cut.text).unwrap();
    let overlay = root.join(defaults::OVERLAY);
    for overlay in [Some(overlay.as_path()), None] {
        let committed = prepare(&root.join(defaults::SPEC), overlay).unwrap();
        let real = prepare(&converted, overlay).unwrap();
        let report = diff::report(&committed, &real);
        // Beta (ours) vs v1.0 (the metadata file) is the one expected
        // difference; everything the metadata knows (types, nullability,
        // members, operations) agrees. What the service does differently
        // from its metadata lives in the overlay, applied to both sides.
        let kinds: Vec<&str> = report.changes.iter().map(|c| c.kind.as_str()).collect();
        assert_eq!(kinds, ["server_changed"], "{}", report.markdown());
    }
}

#[test]
fn the_real_metadata_generates_a_client_like_ours() {
    let Some(csdl) = upstream() else { return };
    let root = workspace_root().unwrap();
    let rule = SliceRule::from_record(&root.join(defaults::RECORD)).unwrap();
    let cut = slice::cut(
        &csdl,
        &rule,
        &Origin::default(),
        "graph-beta-teams-administration.openapi.yaml",
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let spec = dir
        .path()
        .join("graph-beta-teams-administration.openapi.yaml");
    std::fs::write(&spec, &cut.text).unwrap();
    let settings = Settings {
        spec,
        ..Settings::for_workspace(&root)
    };
    let generated = xtask::codegen::generate(&settings).unwrap();
    let ours = xtask::codegen::generate(&Settings::for_workspace(&root)).unwrap();
    // Same operations, enums and bodies; only documentation differs.
    for file in ["operations.rs", "bodies.rs", "enums.rs"] {
        let strip = |s: &str| {
            s.lines()
                .skip(1)
                .filter(|l| !l.trim_start().starts_with("///") && !l.contains("summary:"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(
            strip(&generated.files[file]),
            strip(&ours.files[file]),
            "{file}"
        );
    }
}
