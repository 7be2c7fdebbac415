//! Room: the command line. Every command, flag and help text, as clap
//! derive types; nothing here runs anything.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Manage Microsoft Teams telephone numbers and policies through Microsoft Graph.
///
/// Data goes to stdout (-o table|csv|json|jsonl); progress, prompts and logs
/// go to stderr. Exit codes: 0 everything succeeded (or was already as
/// wanted), 1 something failed, 2 bad usage or input, 130 interrupted.
#[derive(Debug, Parser)]
#[command(
    name = "teams-admin",
    version,
    propagate_version = true,
    after_help = "Examples:\n  \
        teams-admin --emulator numbers list --unassigned -o table\n  \
        teams-admin --emulator bulk assign samples/assign-numbers.csv --report report.csv --yes\n  \
        AZURE_TENANT_ID=… AZURE_CLIENT_ID=… AZURE_CLIENT_SECRET=… teams-admin numbers show +14255550100"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command takes. `Debug` never shows the token.
#[derive(Args)]
pub struct Global {
    /// Format of the data written to stdout.
    #[arg(short, long, global = true, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,

    /// Run against an embedded Graph emulator seeded with demo data (no
    /// account, no network; --base-url and credentials are ignored). Its
    /// state lives as long as this process.
    #[arg(long, global = true)]
    pub emulator: bool,

    /// Graph base URL (default https://graph.microsoft.com/beta).
    // clap prints this text as it is: a bare URL reads best in `--help`.
    #[allow(rustdoc::bare_urls)]
    #[arg(long, global = true, env = "TEAMS_ADMIN_BASE_URL", value_name = "URL")]
    pub base_url: Option<String>,

    /// A bearer token to send as is (for scripts). Prefer the environment
    /// variable: a flag shows in the process list and shell history.
    #[arg(
        long,
        global = true,
        env = "TEAMS_ADMIN_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub token: Option<String>,

    /// Which credential to use. `auto` picks, in order: --token, a client
    /// secret (AZURE_CLIENT_SECRET), a client certificate
    /// (AZURE_CLIENT_CERTIFICATE_PATH), workload identity
    /// (AZURE_FEDERATED_TOKEN_FILE), managed identity (IDENTITY_ENDPOINT or
    /// MSI_ENDPOINT), then developer tools (Azure CLI, Azure Developer CLI).
    #[arg(long, global = true, value_enum, default_value_t = AuthMethod::Auto)]
    pub auth: AuthMethod,

    /// Directory (tenant) id for app credentials.
    #[arg(long, global = true, env = "AZURE_TENANT_ID", value_name = "ID")]
    pub tenant_id: Option<String>,

    /// Application (client) id for app credentials, or the client id of a
    /// user-assigned managed identity.
    #[arg(long, global = true, env = "AZURE_CLIENT_ID", value_name = "ID")]
    pub client_id: Option<String>,

    /// PKCS#12 (.pfx) certificate for client-certificate auth (its password
    /// from AZURE_CLIENT_CERTIFICATE_PASSWORD).
    #[arg(
        long,
        global = true,
        env = "AZURE_CLIENT_CERTIFICATE_PATH",
        value_name = "PATH"
    )]
    pub certificate: Option<PathBuf>,

    /// First wait before polling a long-running operation, in seconds; it
    /// grows 1.5x per poll up to 15x this. A `Retry-After` from Graph
    /// always wins. Default 1 (0.1 with --emulator).
    #[arg(long, global = true, value_name = "SECONDS")]
    pub poll_interval: Option<f64>,

    /// More logs on stderr (-v: info, -vv: debug, -vvv: trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// No progress or summary on stderr; errors only.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

impl std::fmt::Debug for Global {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Global")
            .field("output", &self.output)
            .field("emulator", &self.emulator)
            .field("base_url", &self.base_url)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("auth", &self.auth)
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("certificate", &self.certificate)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Aligned columns for people.
    Table,
    /// Comma-separated, one header line.
    Csv,
    /// One JSON document (an array for lists).
    Json,
    /// One JSON object per line.
    Jsonl,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AuthMethod {
    /// Choose from the flags and the environment.
    Auto,
    /// --token / TEAMS_ADMIN_TOKEN.
    Token,
    /// AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET.
    ClientSecret,
    /// AZURE_TENANT_ID, AZURE_CLIENT_ID, --certificate (needs the
    /// `client-certificate` build feature).
    ClientCertificate,
    /// Workload identity federation (AZURE_FEDERATED_TOKEN_FILE).
    WorkloadIdentity,
    /// The Azure managed identity of this machine (system-assigned, or
    /// user-assigned with --client-id).
    ManagedIdentity,
    /// `az login`.
    AzureCli,
    /// Azure CLI, then Azure Developer CLI.
    DeveloperTools,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Telephone numbers: list, show, assign, unassign, update.
    #[command(subcommand)]
    Numbers(NumbersCommand),
    /// Long-running assign/unassign operations: show one, or wait for it
    /// (resumes a --no-wait).
    #[command(subcommand)]
    Operations(OperationsCommand),
    /// Run a CSV file of assignments, unassignments, updates or policy
    /// changes, with a progress bar, a per-row report, dry run and resume.
    #[command(subcommand)]
    Bulk(BulkCommand),
    /// Teams policies: list and show assignments, find a policy id, assign
    /// and unassign.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Users: Teams configuration and effective policies.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Print a shell completion script.
    #[command(
        after_help = "Example:\n  teams-admin completions bash > ~/.local/share/bash-completion/completions/teams-admin"
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// A number type as admins write it (`DirectRouting`, `callingPlan`, …).
pub const NUMBER_TYPES: &str = "DirectRouting, CallingPlan, OperatorConnect";

#[derive(Debug, Subcommand)]
pub enum NumbersCommand {
    /// List the number inventory (streams; filters are sent to Graph).
    #[command(after_help = "Examples:\n  \
        teams-admin numbers list --unassigned --capability userAssignment --type DirectRouting\n  \
        teams-admin numbers list --starts-with +1206 -o csv > seattle.csv\n  \
        teams-admin numbers list --user adele.vance@contoso.com -o json")]
    List(NumbersList),
    /// Show one number.
    #[command(after_help = "Example:\n  teams-admin numbers show +14255550100 -o json")]
    Show {
        /// The number (E.164; a missing `+` is added).
        number: String,
    },
    /// Assign a number to a user or resource account and wait for the
    /// operation (or print its reference with --no-wait).
    #[command(after_help = "Examples:\n  \
        teams-admin numbers assign +14255550100 --user adele.vance@contoso.com --type DirectRouting\n  \
        teams-admin numbers assign +14255550100 --user 8e1c3a52-… --type CallingPlan --location 5c0f4a1e-… --no-wait")]
    Assign(NumbersAssign),
    /// Remove a number from whatever it is assigned to.
    #[command(
        after_help = "Example:\n  teams-admin numbers unassign +14255550100 --type DirectRouting"
    )]
    Unassign(NumbersUnassign),
    /// Change a number's emergency location, network site or reverse number
    /// lookup.
    #[command(after_help = "Examples:\n  \
        teams-admin numbers update +14255550100 --location 5c0f4a1e-2b7d-4e8a-9c3f-6d1b2a4e8f10\n  \
        teams-admin numbers update +14255550100 --clear-location")]
    Update(NumbersUpdate),
}

#[derive(Debug, Args)]
pub struct NumbersList {
    /// Only numbers of this type (DirectRouting, CallingPlan, OperatorConnect).
    #[arg(long = "type", value_name = "TYPE")]
    pub number_type: Option<String>,
    /// Only numbers in this assignment status (unassigned, userAssigned,
    /// conferenceAssigned, voiceApplicationAssigned, …).
    #[arg(long, value_name = "STATUS")]
    pub status: Option<String>,
    /// Only numbers with this capability (userAssignment,
    /// conferenceAssignment, voiceApplicationAssignment); repeat for AND.
    #[arg(long, value_name = "CAPABILITY")]
    pub capability: Vec<String>,
    /// Only numbers starting with this prefix (+1206).
    #[arg(long, value_name = "PREFIX")]
    pub starts_with: Option<String>,
    /// Only unassigned numbers (same as --status unassigned).
    #[arg(long, conflicts_with = "status")]
    pub unassigned: bool,
    /// Only numbers assigned to this user (UPN or object id).
    #[arg(long, value_name = "UPN|ID")]
    pub user: Option<String>,
    /// Only numbers with this emergency location id.
    #[arg(long, value_name = "ID")]
    pub location: Option<String>,
    /// An OData $filter expression, ANDed with the flags above.
    #[arg(long, value_name = "EXPR")]
    pub filter: Option<String>,
    /// Stop after this many numbers.
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,
    /// Numbers per request ($top, at most 1000).
    #[arg(long, value_name = "N", default_value_t = 500)]
    pub page_size: u64,
}

#[derive(Debug, Args)]
pub struct WaitFlags {
    /// Do not wait: print the operation reference (resume with
    /// `teams-admin operations wait REF`).
    #[arg(long)]
    pub no_wait: bool,
    /// Give up waiting after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    pub timeout: u64,
}

#[derive(Debug, Args)]
pub struct NumbersAssign {
    /// The number (E.164; a missing `+` is added).
    pub number: String,
    /// The user or resource account: UPN or object id.
    #[arg(long, value_name = "UPN|ID")]
    pub user: String,
    /// DirectRouting, CallingPlan or OperatorConnect.
    #[arg(long = "type", value_name = "TYPE")]
    pub number_type: String,
    /// Emergency location id.
    #[arg(long, value_name = "ID")]
    pub location: Option<String>,
    /// primary (default at the service), private or alternate.
    #[arg(long, value_name = "CATEGORY")]
    pub category: Option<String>,
    #[command(flatten)]
    pub wait: WaitFlags,
}

#[derive(Debug, Args)]
pub struct NumbersUnassign {
    /// The number (E.164; a missing `+` is added).
    pub number: String,
    /// DirectRouting, CallingPlan or OperatorConnect; looked up in the
    /// inventory when left out.
    #[arg(long = "type", value_name = "TYPE")]
    pub number_type: Option<String>,
    #[command(flatten)]
    pub wait: WaitFlags,
}

#[derive(Debug, Args)]
pub struct NumbersUpdate {
    /// The number (E.164; a missing `+` is added).
    pub number: String,
    /// New emergency location id.
    #[arg(long, value_name = "ID", conflicts_with = "clear_location")]
    pub location: Option<String>,
    /// Remove the emergency location.
    #[arg(long)]
    pub clear_location: bool,
    /// New network site id.
    #[arg(long, value_name = "ID", conflicts_with = "clear_network_site")]
    pub network_site: Option<String>,
    /// Remove the network site.
    #[arg(long)]
    pub clear_network_site: bool,
    /// Reverse number lookup options (skipInternalVoip); repeat for more.
    #[arg(long, value_name = "OPTION")]
    pub reverse_lookup: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum OperationsCommand {
    /// Show an operation's status and per-number outcome (one read).
    #[command(
        after_help = "Example:\n  teams-admin operations show 'https://graph.microsoft.com/beta/admin/teams/telephoneNumberManagement/operations(%270a1b…%27)'"
    )]
    Show {
        /// The reference --no-wait printed (URL), or an operation id.
        reference: String,
    },
    /// Wait for operations to end; exit 1 when one failed.
    #[command(
        after_help = "Example:\n  teams-admin numbers assign +14255550100 --user adele.vance@contoso.com --type DirectRouting --no-wait -o json \\\n    | jq -r .operation | xargs teams-admin operations wait"
    )]
    Wait {
        /// References (URLs) or operation ids.
        #[arg(required = true)]
        references: Vec<String>,
        /// Give up after this many seconds.
        #[arg(long, value_name = "SECONDS", default_value_t = 600)]
        timeout: u64,
    },
    /// List operations the service knows.
    #[command(after_help = "Example:\n  teams-admin operations list -o jsonl")]
    List {
        /// Stop after this many.
        #[arg(long, value_name = "N")]
        limit: Option<u64>,
    },
}

#[derive(Debug, Subcommand)]
pub enum BulkCommand {
    /// Assign numbers from a CSV: UserPrincipalName (or Identity, UserId),
    /// PhoneNumber (or TelephoneNumber), PhoneNumberType (or NumberType),
    /// optional LocationId and AssignmentCategory.
    #[command(
        after_help = "Example:\n  teams-admin bulk assign samples/assign-numbers.csv --report report.csv --journal run.journal\n\n\
        CSV:\n  UserPrincipalName,PhoneNumber,PhoneNumberType,LocationId\n  adele.vance@contoso.com,+14255550100,DirectRouting,"
    )]
    Assign(BulkRun),
    /// Unassign numbers from a CSV: PhoneNumber (or TelephoneNumber),
    /// PhoneNumberType (or NumberType); user columns are ignored.
    #[command(
        after_help = "Example:\n  teams-admin bulk unassign leavers.csv --dry-run\n\n\
        CSV:\n  PhoneNumber;NumberType\n  +14255550100;DirectRouting"
    )]
    Unassign(BulkRun),
    /// Update numbers from a CSV: PhoneNumber (or TelephoneNumber),
    /// LocationId (empty clears it), optional NetworkSiteId.
    #[command(
        after_help = "Example:\n  teams-admin bulk update move-to-building-2.csv --report moved.json\n\n\
        CSV:\n  TelephoneNumber,LocationId\n  +14255550100,5c0f4a1e-2b7d-4e8a-9c3f-6d1b2a4e8f10"
    )]
    Update(BulkRun),
    /// Assign or unassign policies from a CSV.
    #[command(subcommand)]
    Policy(BulkPolicyCommand),
}

#[derive(Debug, Subcommand)]
pub enum BulkPolicyCommand {
    /// Assign policies: UserPrincipalName (or Identity, UserId), PolicyType,
    /// PolicyName (or PolicyId).
    #[command(
        after_help = "Example:\n  teams-admin bulk policy assign meeting-policies.csv --report out.csv\n\n\
        CSV:\n  UserPrincipalName,PolicyType,PolicyName\n  adele.vance@contoso.com,TeamsMeetingPolicy,AllOn"
    )]
    Assign(BulkRun),
    /// Remove policy assignments: UserPrincipalName (or Identity, UserId),
    /// PolicyType.
    #[command(
        after_help = "Example:\n  teams-admin bulk policy unassign reset.csv --yes\n\n\
        CSV:\n  UserPrincipalName,PolicyType\n  adele.vance@contoso.com,TeamsMeetingPolicy"
    )]
    Unassign(BulkRun),
}

#[derive(Debug, Args, Clone)]
pub struct BulkRun {
    /// The CSV file (`,` or `;`, any header case, Excel's BOM is fine).
    pub file: PathBuf,
    /// Check every row (users resolve, numbers exist and fit) and print the
    /// plan; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Rows in flight at most (the engine slows down when throttled).
    #[arg(long, value_name = "N", default_value_t = 16)]
    pub concurrency: usize,
    /// Write a per-row report as the rows end (.csv or .json by extension).
    #[arg(long, value_name = "PATH")]
    pub report: Option<PathBuf>,
    /// Record progress here so an interrupted run can be resumed.
    #[arg(long, value_name = "PATH")]
    pub journal: Option<PathBuf>,
    /// Resume from the journal: skip rows already done, re-poll operations
    /// in flight instead of submitting them again.
    #[arg(long, requires = "journal")]
    pub resume: bool,
    /// Read each row's current state first and skip rows already as wanted
    /// (for re-running a file without a journal).
    #[arg(long)]
    pub skip_done: bool,
    /// After a crash, how long to wait (from when it was sent) before
    /// checking a row whose request may have reached the service, so an
    /// accepted operation has applied before its state is read.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub in_doubt_wait: u64,
    /// Rows alive at once (in flight, or waiting for their turn in the
    /// output): bounds memory and the connections kept open.
    #[arg(long, value_name = "N", default_value_t = 512)]
    pub max_pending: usize,
    /// Number type for rows without a type column.
    #[arg(long = "type", value_name = "TYPE")]
    pub number_type: Option<String>,
    /// Do not ask for confirmation before changing a real tenant.
    #[arg(short, long)]
    pub yes: bool,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// List policy assignments (optionally of one user or one type).
    #[command(
        after_help = "Example:\n  teams-admin policy list --user adele.vance@contoso.com --type TeamsMeetingPolicy"
    )]
    List {
        /// Only this user's assignments (UPN or object id).
        #[arg(long, value_name = "UPN|ID")]
        user: Option<String>,
        /// Only this policy type.
        #[arg(long = "type", value_name = "TYPE")]
        policy_type: Option<String>,
        /// Stop after this many.
        #[arg(long, value_name = "N")]
        limit: Option<u64>,
    },
    /// Show one policy assignment by id.
    #[command(after_help = "Example:\n  teams-admin policy show 0b1c…")]
    Show {
        /// The assignment id.
        id: String,
    },
    /// Find the id of a policy from its type and name.
    #[command(
        after_help = "Example:\n  teams-admin policy id --type TeamsMeetingPolicy --name AllOn"
    )]
    Id {
        /// Policy type (TeamsMeetingPolicy, TeamsCallingPolicy, …).
        #[arg(long = "type", value_name = "TYPE")]
        policy_type: String,
        /// Policy name (without the `Tag:` prefix).
        #[arg(long, value_name = "NAME")]
        name: String,
    },
    /// Assign a policy to a user.
    #[command(
        after_help = "Example:\n  teams-admin policy assign --user adele.vance@contoso.com --type TeamsMeetingPolicy --name AllOn"
    )]
    Assign {
        /// UPN or object id.
        #[arg(long, value_name = "UPN|ID")]
        user: String,
        /// Policy type.
        #[arg(long = "type", value_name = "TYPE")]
        policy_type: String,
        /// Policy name (looked up with `policy id`).
        #[arg(
            long,
            value_name = "NAME",
            required_unless_present = "policy_id",
            conflicts_with = "policy_id"
        )]
        name: Option<String>,
        /// Policy id, when you have it.
        #[arg(long, value_name = "ID")]
        policy_id: Option<String>,
    },
    /// Remove a user's policy of one type (back to the global default).
    #[command(
        after_help = "Example:\n  teams-admin policy unassign --user adele.vance@contoso.com --type TeamsMeetingPolicy"
    )]
    Unassign {
        /// UPN or object id.
        #[arg(long, value_name = "UPN|ID")]
        user: String,
        /// Policy type.
        #[arg(long = "type", value_name = "TYPE")]
        policy_type: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// A user's Teams configuration: account type, numbers, enterprise
    /// voice and effective policies.
    #[command(after_help = "Examples:\n  \
        teams-admin users show adele.vance@contoso.com\n  \
        teams-admin users show 8e1c3a52-4b6d-4f0e-9a27-1c5d3e7f9a01 -o json")]
    Show {
        /// UPN or object id.
        user: String,
    },
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::Cli;

    #[test]
    fn command_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn debug_output_hides_the_token() {
        let cli =
            Cli::try_parse_from(["teams-admin", "--token", "s3cret", "numbers", "list"]).unwrap();
        let text = format!("{cli:?}");
        assert!(!text.contains("s3cret"), "{text}");
        assert!(text.contains("<redacted>"), "{text}");
    }
}
