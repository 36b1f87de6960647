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
    /// SEPA collection files (pain.008) and the bank's return files.
    #[command(subcommand)]
    Collections(CollectionsCommand),
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
enum CollectionsCommand {
    /// Create the collection file for a date from every scheduled direct debit due on or before
    /// it that is ready; prints the batch id, count and sum (exits non-zero when nothing is due).
    Export {
        /// The collection date (YYYY-MM-DD), a business day from the earliest possible one.
        #[arg(long)]
        date: String,
        /// The merchant's id (mer_…); may be left out when there is one merchant.
        #[arg(long)]
        merchant: Option<String>,
        /// pain.008.001.02 or pain.008.001.08 (the merchant's setting by default).
        #[arg(long)]
        format: Option<String>,
        /// Include transactions whose pre-notification went out too recently (logged).
        #[arg(long)]
        include_recent_notices: bool,
        /// Where to write the file.
        #[arg(long)]
        out: PathBuf,
    },
    /// Mark a batch uploaded to the bank (its transactions are then submitted).
    Submit { batch: String },
    /// Cancel a batch that was not uploaded (its transactions go into the next file).
    Cancel { batch: String },
    /// Mark a submitted batch paid now, before its settle window ends.
    Settle { batch: String },
    /// Read a bank return file (pain.002, camt.053 or camt.054).
    Import {
        file: PathBuf,
        /// The merchant's id (mer_…); may be left out when there is one merchant.
        #[arg(long)]
        merchant: Option<String>,
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
        Command::Collections(cmd) => runtime.block_on(collections(config, cmd)),
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

async fn collections(config: Config, cmd: CollectionsCommand) -> anyhow::Result<()> {
    use abbo::services::collections::{self as service, CollectionError, ExportRequest, Step};
    use abbo::store::activity::System;
    let db = Db::open(&config).await?;
    let result = async {
        match cmd {
            CollectionsCommand::Export {
                date,
                merchant,
                format,
                include_recent_notices,
                out,
            } => {
                let date = parse_date(&date).map_err(|e| anyhow::anyhow!("--date: {e}"))?;
                let format = format
                    .map(|f| {
                        abbo::sepa::pain008::Version::parse(&f).with_context(|| {
                            format!("--format: {f} is neither pain.008.001.02 nor pain.008.001.08")
                        })
                    })
                    .transpose()?;
                let merchant = pick_merchant(&db, merchant).await?;
                let actor = System::new(&merchant.id, "command line");
                let mut request = ExportRequest::on(date);
                request.format = format;
                request.include_recent = include_recent_notices;
                let done = match service::export(&db, &actor, &request).await {
                    Ok(done) => done,
                    Err(CollectionError::Unexpected(e)) => return Err(e),
                    Err(e) => bail!("{e}"),
                };
                write_batch_file(&db, &done.batch, &out).await?;
                let b = &done.batch;
                println!(
                    "{}\t{} debits\t{}\t{} FRST\t{}",
                    b.id,
                    b.transactions,
                    abbo::domain::Money::from_minor(b.total_minor).format_eur(),
                    b.first_count,
                    out.display()
                );
                if done.waiting_count > 0 {
                    println!("{} transactions wait:", done.waiting_count);
                    for w in &done.waiting {
                        println!(
                            "  {}\t{}\t{}",
                            w.transaction_id,
                            w.due_date,
                            w.reason.describe()
                        );
                    }
                }
                Ok(())
            }
            CollectionsCommand::Submit { batch } => batch_step(&db, &batch, Step::Submit).await,
            CollectionsCommand::Cancel { batch } => batch_step(&db, &batch, Step::Cancel).await,
            CollectionsCommand::Settle { batch } => batch_step(&db, &batch, Step::Settle).await,
            CollectionsCommand::Import { file, merchant } => {
                let merchant = pick_merchant(&db, merchant).await?;
                let size = std::fs::metadata(&file)
                    .with_context(|| format!("{}: cannot read the file", file.display()))?
                    .len();
                if size > abbo::sepa::returns::MAX_BYTES as u64 {
                    bail!(
                        "{}: {}",
                        file.display(),
                        abbo::sepa::returns::ReadError::TooLarge {
                            max: abbo::sepa::returns::MAX_BYTES
                        }
                    );
                }
                let bytes = std::fs::read(&file)
                    .with_context(|| format!("{}: cannot read the file", file.display()))?;
                let links = service::dunning::Links {
                    base_url: config.base_url.clone(),
                    key: config.secrets.link_key.clone(),
                    online: abbo::services::payments::Provider::configured(
                        &config.payments,
                        &config.base_url,
                    )
                    .is_some(),
                };
                let actor = System::new(&merchant.id, "command line");
                let name = file
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let done = match service::returns::import(&db, &actor, &links, &name, &bytes).await
                {
                    Ok(done) => done,
                    Err(service::returns::ReturnError::Unexpected(e)) => return Err(e),
                    Err(e) => bail!("{}: {e}", file.display()),
                };
                let i = &done.import;
                if done.again {
                    println!(
                        "{}: read before on {} ({}); nothing changed",
                        file.display(),
                        i.created_at,
                        i.id
                    );
                } else {
                    println!(
                        "{}\t{} {}\t{} entries\t{} applied\t{} known already\t{} unmatched",
                        i.id,
                        i.message_type,
                        i.message_id,
                        i.entries,
                        i.applied,
                        i.known,
                        done.unmatched.len()
                    );
                }
                for u in &done.unmatched {
                    println!("  unmatched {}\t{}", u.reference, u.reason_code);
                }
                Ok(())
            }
        }
    }
    .await;
    db.close().await;
    result
}

/// A batch step by the batch's id, for whichever merchant it belongs to.
async fn batch_step(
    db: &Db,
    batch: &str,
    step: abbo::services::collections::Step,
) -> anyhow::Result<()> {
    use abbo::services::collections::{self as service, CollectionError};
    let found = abbo::store::collections::batch_anywhere(db, batch)
        .await?
        .filter(|b| b.status != "draft")
        .with_context(|| format!("no collection batch {batch}"))?;
    let actor = abbo::store::activity::System::new(&found.merchant_id, "command line");
    match service::step(db, &actor, batch, step).await {
        Ok(b) => {
            println!("{}\t{}\t{} debits", b.id, b.status, b.transactions);
            Ok(())
        }
        Err(CollectionError::Unexpected(e)) => Err(e),
        Err(e) => bail!("{batch}: {e}"),
    }
}

/// Writes a batch's stored file to `out`.
async fn write_batch_file(
    db: &Db,
    batch: &abbo::store::collections::Batch,
    out: &std::path::Path,
) -> anyhow::Result<()> {
    use std::io::Write;
    let mut file = std::fs::File::create(out)
        .with_context(|| format!("--out: cannot create {}", out.display()))?;
    let mut part = 0;
    while let Some(bytes) = abbo::services::collections::file_part(db, batch, part).await? {
        file.write_all(&bytes)
            .with_context(|| format!("--out: writing {}", out.display()))?;
        part += 1;
    }
    file.flush()?;
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
        "{} new, {} updated, {} rejected; {} new mandates, {} new subscriptions",
        counts.new, counts.updated, counts.rejected, counts.mandates, counts.subscriptions
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
