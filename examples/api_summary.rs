//! Prints what the generated client covers: every operation with its HTTP
//! method and path, which ones are long-running, and the open enums.
//!
//! `cargo run --example api_summary`

use graph_teams_admin::generated::operations::{OPERATIONS, OperationKind};
use graph_teams_admin::*;

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
    macro_rules! show {
        ($($ty:ty),*) => {$(
            let members: Vec<&str> = <$ty>::KNOWN.iter().map(|m| m.as_str()).collect();
            println!("  {:<27} {}", stringify!($ty), members.join(", "));
        )*};
    }
    show!(
        NumberType,
        ActivationState,
        AssignmentCategory,
        AssignmentStatus,
        NumberCapability,
        NumberSource,
        PortInStatus,
        CustomerAction,
        ReverseNumberLookupOption,
        AccountType,
        AssignmentType,
        LongRunningOperationStatus
    );
}
