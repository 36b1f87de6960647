//! The `abbo` command: serve the app, run migrations, manage users.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use abbo::config::{Config, Settings};
use abbo::domain::EmailAddress;
use abbo::domain::date::parse_date;
use abbo::domain::role::Role;
use abbo::services::users::{self, NewPassword};
use abbo::services::{billing, imports};
use abbo::store::imports as import_store;
use abbo::store::{Db, merchants};
use abbo::{Application, telemetry};
use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "abbo",
    version,
    about = "Subscriptions paid by SEPA direct debit"
)]
struct Cli {
    /// The settings file; every key can also be set as ABBO_<SECTION>__<KEY>.
    #[arg(long, short, default_value = "config.toml", env = "ABBO_CONFIG")]
    config: PathBuf,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web app (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage merchants (several can share one instance).
    #[command(subcommand)]
    Merchant(MerchantCommand),
    /// Manage staff accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API keys.
    #[command(subcommand, name = "api-key")]
    ApiKey(ApiKeyCommand),
    /// Renew subscriptions into transactions.
    #[command(subcommand)]
    Billing(BillingCommand),
    /// Import customers (with mandates and subscriptions) from a CSV or Excel file: maps the
    /// columns by their headers and prints the preview; writes only with --commit.
    Import {
        /// The .csv or .xlsx file.
        file: PathBuf,
        /// The merchant's id (mer_…); may be left out when there is one merchant.
        #[arg(long)]
        merchant: Option<String>,
        /// The Excel sheet to read (the first one by default).
        #[arg(long, default_value = "")]
        sheet: String,
        /// Write the accepted rows (otherwise only the preview is shown).
        #[arg(long)]
        commit: bool,
    },
}

#[derive(Subcommand)]
enum MerchantCommand {
    /// Add a merchant and its owner; the owner's password is read from standard input
    /// (prompted on a terminal).
    Create {
        /// The business name.
        #[arg(long)]
        name: String,
        /// The owner's sign-in email.
        #[arg(long)]
        owner_email: String,
    },
    /// List the merchants: id, name and when they were created.
    List,
}

#[derive(Subcommand)]
enum ApiKeyCommand {
    /// Create a key and print it (the only time it is shown).
    Create {
        /// What uses the key, e.g. "Webshop".
        #[arg(long)]
        name: String,
        /// The merchant's id (mer_…); may be left out when there is one merchant.
        #[arg(long)]
        merchant: Option<String>,
    },
}

#[derive(Subcommand)]
enum BillingCommand {
    /// Create the transactions of every period charged on or before the day plus the merchant's
    /// pre-notification lead (what the hourly run does); prints how many and which subscriptions
    /// it refused to bill (more periods at once than the merchant's safety bound).
    Run {
        /// Run as if this day (YYYY-MM-DD) were today, to look ahead.
        #[arg(long)]
        date: Option<String>,
        /// Only this merchant (mer_…); all merchants by default.
        #[arg(long)]
        merchant: Option<String>,
        /// Show what would be created; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Subscriptions billed per database transaction.
        #[arg(long, default_value_t = billing::CHUNK, value_parser = clap::value_parser!(i64).range(1..=100_000))]
        chunk_size: i64,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user; the password is read from standard input (prompted on a terminal).
    Create {
        #[arg(long)]
        email: String,
        /// owner, admin or viewer.
        #[arg(long, default_value = "admin")]
        role: String,
        /// The merchant's id (mer_…); may be left out when there is one merchant.
        #[arg(long)]
        merchant: Option<String>,
    },
    /// Set a new password; read from standard input (prompted on a terminal).
    ResetPassword {
        #[arg(long)]
        email: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init();
    let config = match Settings::load(&cli.config).and_then(Settings::validate) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("abbo: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("abbo: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    // actix-web runs its workers on their own runtimes; `serve` needs the actix system.
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => actix_web::rt::System::new().block_on(serve(config)),
        Command::Migrate => runtime.block_on(migrate(config)),
        Command::Merchant(cmd) => runtime.block_on(merchant(config, cmd)),
        Command::User(cmd) => runtime.block_on(user(config, cmd)),
        Command::ApiKey(cmd) => runtime.block_on(api_key(config, cmd)),
        Command::Billing(cmd) => runtime.block_on(billing(config, cmd)),
        Command::Import {
            file,
            merchant,
            sheet,
            commit,
        } => runtime.block_on(import(config, file, merchant, sheet, commit)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("abbo: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let base_url = config.base_url.clone();
    let app = Application::build(config).await?;
    tracing::info!(port = app.port(), "Abbo is running: open {base_url}");
    app.run_until_stopped().await.context("serving")
}

async fn migrate(config: Config) -> anyhow::Result<()> {
    Db::open(&config).await?;
    println!("Migrations applied.");
    Ok(())
}

fn read_password() -> anyhow::Result<NewPassword> {
    let text = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("New password (12+ characters): ")?;
        let second = rpassword::prompt_password("Repeat it: ")?;
        if first != second {
            bail!("the two passwords are not the same");
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_string()
    };
    NewPassword::parse(&text).map_err(|e| anyhow::anyhow!("password: {e}"))
}

async fn merchant(config: Config, cmd: MerchantCommand) -> anyhow::Result<()> {
    let db = Db::open(&config).await?;
    match cmd {
        MerchantCommand::Create { name, owner_email } => {
            let email = EmailAddress::parse(&owner_email)
                .map_err(|e| anyhow::anyhow!("--owner-email: {e}"))?;
            let password = read_password()?;
            let owner = users::add_merchant(&db, &name, &email, &password)
                .await
                .map_err(|e| match e {
                    users::UserError::BadMerchantName => anyhow::anyhow!("--name: {e}"),
                    users::UserError::EmailTaken => anyhow::anyhow!("--owner-email: {e}"),
                    other => anyhow::anyhow!(other),
                })?;
            println!(
                "Created merchant {} ({}) with owner {}.",
                name.trim(),
                owner.merchant_id,
                owner.email
            );
        }
        MerchantCommand::List => {
            for m in merchants::list(&db).await? {
                println!("{}\t{}\t{}", m.id, m.name, m.created_at.format("%Y-%m-%d"));
            }
        }
    }
    db.close().await;
    Ok(())
}

async fn user(config: Config, cmd: UserCommand) -> anyhow::Result<()> {
    let db = Db::open(&config).await?;
    match cmd {
        UserCommand::Create {
            email,
            role,
            merchant,
        } => {
            let email = EmailAddress::parse(&email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
            let role = Role::parse(&role).map_err(|e| anyhow::anyhow!("--role: {e}"))?;
            let merchant = pick_merchant(&db, merchant).await?;
            let password = read_password()?;
            let user =
                users::add_user_by_operator(&db, &merchant.id, &email, role, &password).await?;
            println!(
                "Created {} ({}) as {} of {}.",
                user.email, user.id, role, merchant.name
            );
        }
        UserCommand::ResetPassword { email } => {
            let email = EmailAddress::parse(&email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
            let password = read_password()?;
            let user = users::reset_password(&db, &email, &password).await?;
            println!("New password set for {}.", user.email);
        }
    }
    db.close().await;
    Ok(())
}

async fn billing(config: Config, cmd: BillingCommand) -> anyhow::Result<()> {
    let BillingCommand::Run {
        date,
        merchant,
        dry_run,
        chunk_size,
    } = cmd;
    let as_of = date
        .map(|d| parse_date(&d).map_err(|e| anyhow::anyhow!("--date: {e}")))
        .transpose()?;
    let db = Db::open(&config).await?;
    let targets = match merchant {
        Some(id) => vec![pick_merchant(&db, Some(id)).await?],
        None => merchants::list(&db).await?,
    };
    let options = billing::RunOptions {
        as_of,
        dry_run,
        chunk: chunk_size,
        ..billing::RunOptions::now("command line")
    };
    let mut failed = 0;
    for merchant in targets {
        match billing::run(&db, &merchant.id, &options).await {
            Ok(report) => {
                println!(
                    "{} ({}): {} {} transaction{} for periods charged up to {} (as of {}).",
                    merchant.name,
                    merchant.id,
                    if dry_run { "would create" } else { "created" },
                    report.created,
                    if report.created == 1 { "" } else { "s" },
                    report.horizon,
                    report.as_of
                );
                if report.refused_count > 0 {
                    println!(
                        "  refused {} subscription{} (more than {} periods at once; raise the bound on the Billing page or check them):",
                        report.refused_count,
                        if report.refused_count == 1 { "" } else { "s" },
                        merchant.billing_max_periods
                    );
                    for refusal in &report.refused {
                        println!("  {}\t{} periods", refusal.subscription_id, refusal.periods);
                    }
                }
            }
            Err(e) => {
                failed += 1;
                eprintln!("{} ({}): the run failed: {e:#}", merchant.name, merchant.id);
            }
        }
    }
    db.close().await;
    if failed > 0 {
        bail!("{failed} merchant run(s) failed");
    }
    Ok(())
}

/// The merchant `--merchant` names, or the only one.
async fn pick_merchant(db: &Db, id: Option<String>) -> anyhow::Result<merchants::Merchant> {
    let all = merchants::list(db).await?;
    Ok(match id {
        Some(id) => all
            .into_iter()
            .find(|m| m.id == id)
            .with_context(|| format!("--merchant: no merchant {id}"))?,
        None if all.len() == 1 => all.into_iter().next().context("no merchant")?,
        None if all.is_empty() => {
            bail!("no merchant yet: open the app and complete the setup first")
        }
        None => bail!(
            "--merchant is needed when there are several merchants: {}",
            all.iter()
                .map(|m| format!("{} ({})", m.id, m.name))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    })
}

async fn api_key(config: Config, cmd: ApiKeyCommand) -> anyhow::Result<()> {
    let db = Db::open(&config).await?;
    match cmd {
        ApiKeyCommand::Create { name, merchant } => {
            let merchant = pick_merchant(&db, merchant).await?;
            let key = abbo::services::api_keys::create(&db, &merchant.id, None, &name)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            eprintln!(
                "Created API key {} for {}; it is not shown again.",
                key.id, merchant.name
            );
            println!("{}", key.secret);
        }
    }
    db.close().await;
    Ok(())
}

async fn import(
    config: Config,
    file: PathBuf,
    merchant: Option<String>,
    sheet: String,
    commit: bool,
) -> anyhow::Result<()> {
    let db = Db::open(&config).await?;
    let merchant = pick_merchant(&db, merchant).await?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let size = std::fs::metadata(&file)
        .with_context(|| format!("reading {}", file.display()))?
        .len();
    if size > config.import.max_upload_bytes() {
        bail!(
            "{name}: {}",
            imports::ReadError::TooLarge {
                max_mb: config.import.max_upload_mb
            }
        );
    }
    let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
    let id = imports::upload(
        &db,
        &merchant.id,
        "",
        &name,
        &bytes,
        &sheet,
        config.import.max_uncompressed_bytes(),
    )
    .await
    .map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    let stored = import_store::get(&db, &merchant.id, &id)
        .await?
        .context("the import")?;
    let mapping = imports::mapping(&stored);
    println!("Columns of {name}:");
    for (header, key) in imports::headers(&stored).iter().zip(&mapping) {
        let field = imports::columns::field(key).map_or("(ignored)", |f| f.label);
        println!("  {header} -> {field}");
    }
    let today = merchant.today();
    let counts = imports::apply_mapping(&db, &merchant.id, &id, mapping, today)
        .await
        .map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    println!(
        "{} new, {} updated, {} rejected",
        counts.new, counts.updated, counts.rejected
    );
    for row in
        import_store::rows_with_outcome(&db, &merchant.id, &id, "rejected", i64::MAX, 0).await?
    {
        println!("  line {}: {}", row.line, row.reasons.replace('\n', "; "));
    }
    if commit {
        imports::start_commit(&db, &merchant.id, &id)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        match imports::run_chunks(&db, &merchant.id, &id, None).await? {
            imports::RunOutcome::Done => {
                let done = import_store::get(&db, &merchant.id, &id)
                    .await?
                    .context("the import")?;
                let rows = if done.committed_rows == 1 {
                    "row"
                } else {
                    "rows"
                };
                println!(
                    "Imported: {} {rows} written (import {id}).",
                    done.committed_rows
                );
            }
            outcome => {
                let failed = import_store::get(&db, &merchant.id, &id).await?;
                bail!(
                    "the import did not finish ({outcome:?}): {}",
                    failed.map(|i| i.error).unwrap_or_default()
                );
            }
        }
    } else {
        println!("Nothing written: run again with --commit to import the accepted rows.");
    }
    db.close().await;
    Ok(())
}
