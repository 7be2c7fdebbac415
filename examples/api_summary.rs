//! Prints what the generated client covers: every operation with its HTTP
//! method and path, which ones are long-running, and the open enums.
//!
//! `cargo run --example api_summary`

use graph_teams_admin::generated::enums;
use graph_teams_admin::generated::operations::{OPERATIONS, OperationKind};

fn main() {
    println!(
        "graph-teams-admin {}: {} operations",
        env!("CARGO_PKG_VERSION"),
        OPERATIONS.len()
    );
    for op in OPERATIONS {
        let kind = match op.kind {
            OperationKind::Navigation => "",
            OperationKind::Action => " [action]",
            OperationKind::Function => " [function]",
        };
        let lro = if op.long_running {
            " [long-running: 202 + Location]"
        } else {
            ""
        };
        println!(
            "  {:<33} {:<5} {}{kind}{lro}",
            op.operation_id, op.method, op.path
        );
    }
    println!();
    println!("Open enums (known members; anything else arrives as UnknownValue):");
    for (name, members) in enums::ALL {
        println!("  {name:<27} {}", members.join(", "));
    }
}
