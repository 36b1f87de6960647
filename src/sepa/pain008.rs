//! Writing a pain.008 direct debit file (SEPA Core) as a stream: the group header, then per
//! sequence type a payment information block with its debits. Nothing is held but the counts,
//! so a file of a million debits costs no more memory than one of ten. Counts and sums are
//! declared up front (the header comes first in the file) and checked when the file is finished.

use std::io::Write;

use chrono::{DateTime, NaiveDate, Utc};

use super::charset::{clip, is_identifier};

/// The pain.008 versions Abbo writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// pain.008.001.02: what Dutch bank documentation still describes.
    V02,
    /// pain.008.001.08: SEPA's current version.
    V08,
}

impl Version {
    /// Both versions, oldest first.
    pub const ALL: [Version; 2] = [Version::V02, Version::V08];

    /// The version's name, such as `pain.008.001.02`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Version::V02 => "pain.008.001.02",
            Version::V08 => "pain.008.001.08",
        }
    }

    /// The version with this name.
    pub fn parse(s: &str) -> Option<Version> {
        Version::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The XML namespace of its documents.
    pub fn namespace(&self) -> &'static str {
        match self {
            Version::V02 => "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02",
            Version::V08 => "urn:iso:std:iso:20022:tech:xsd:pain.008.001.08",
        }
    }

    /// The element holding a BIC in a financial institution's identification.
    fn bic_element(&self) -> &'static str {
        match self {
            Version::V02 => "BIC",
            Version::V08 => "BICFI",
        }
    }
}

/// The sequence type of a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sequence {
    /// The first collection under a mandate.
    Frst,
    /// A later one.
    Rcur,
}

impl Sequence {
    /// `FRST` or `RCUR`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Sequence::Frst => "FRST",
            Sequence::Rcur => "RCUR",
        }
    }

    /// The sequence type with this code.
    pub fn parse(s: &str) -> Option<Sequence> {
        match s {
            "FRST" => Some(Sequence::Frst),
            "RCUR" => Some(Sequence::Rcur),
            _ => None,
        }
    }
}

/// The file's group header.
#[derive(Debug, Clone)]
pub struct GroupHeader<'a> {
    pub message_id: &'a str,
    pub created_at: DateTime<Utc>,
    pub transactions: u64,
    pub control_sum_minor: i64,
    pub initiating_party: &'a str,
}

/// The creditor collecting.
#[derive(Debug, Clone)]
pub struct Creditor<'a> {
    pub name: &'a str,
    pub iban: &'a str,
    pub bic: Option<&'a str>,
    pub creditor_id: &'a str,
}

/// A payment information block: one sequence type on one collection date.
#[derive(Debug, Clone)]
pub struct Block<'a> {
    pub payment_info_id: &'a str,
    pub sequence: Sequence,
    pub collection_date: NaiveDate,
    pub transactions: u64,
    pub control_sum_minor: i64,
}

/// One direct debit.
#[derive(Debug, Clone)]
pub struct Debit<'a> {
    pub end_to_end_id: &'a str,
    pub amount_minor: i64,
    pub mandate_id: &'a str,
    pub signed_on: NaiveDate,
    pub debtor_name: &'a str,
    pub debtor_iban: &'a str,
    pub debtor_bic: Option<&'a str>,
    pub remittance: &'a str,
}

/// Why a file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error("the debtor name of {end_to_end_id} has no letters of the SEPA character set")]
    EmptyName { end_to_end_id: String },
    #[error(
        "the {field} “{value}” is not a SEPA identifier (1–35 of A-Z a-z 0-9 / - ? : ( ) . , ' +)"
    )]
    BadIdentifier { field: &'static str, value: String },
    #[error("the amount of {end_to_end_id} is not between 0.01 and 999,999,999.99")]
    BadAmount { end_to_end_id: String },
    #[error("{what}: {declared} declared, {written} written")]
    Totals {
        what: &'static str,
        declared: String,
        written: String,
    },
    #[error("{0}")]
    Order(&'static str),
}

/// Integer cents as the file writes them: `1` → `0.01`, `1999` → `19.99`. No floats.
pub fn amount(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// The largest amount of one debit, in cents.
const MAX_AMOUNT: i64 = 99_999_999_999;

fn identifier(field: &'static str, value: &str) -> Result<(), WriteError> {
    if is_identifier(value) {
        Ok(())
    } else {
        Err(WriteError::BadIdentifier {
            field,
            value: value.to_string(),
        })
    }
}

/// Text for an element: quick-xml's escaping, though the SEPA set leaves only `'` to escape.
fn text(s: &str) -> std::borrow::Cow<'_, str> {
    quick_xml::escape::escape(s)
}

/// An open block: what it declared and what was written.
struct Open {
    declared: (u64, i64),
    written: (u64, i64),
}

/// Writes a pain.008 file to `W` as it goes.
pub struct Writer<W: Write> {
    out: W,
    version: Version,
    declared: (u64, i64),
    written: (u64, i64),
    block: Option<Open>,
}

impl<W: Write> Writer<W> {
    /// Writes the XML declaration, the document's start and the group header.
    pub fn start(
        mut out: W,
        version: Version,
        header: &GroupHeader<'_>,
    ) -> Result<Self, WriteError> {
        identifier("MsgId", header.message_id)?;
        let party = clip(header.initiating_party, 70);
        if party.is_empty() {
            return Err(WriteError::EmptyName {
                end_to_end_id: header.message_id.to_string(),
            });
        }
        writeln!(
            out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <Document xmlns=\"{}\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n\
             <CstmrDrctDbtInitn>\n\
             <GrpHdr><MsgId>{}</MsgId><CreDtTm>{}</CreDtTm><NbOfTxs>{}</NbOfTxs>\
             <CtrlSum>{}</CtrlSum><InitgPty><Nm>{}</Nm></InitgPty></GrpHdr>",
            version.namespace(),
            header.message_id,
            header.created_at.format("%Y-%m-%dT%H:%M:%S"),
            header.transactions,
            amount(header.control_sum_minor),
            text(&party),
        )?;
        Ok(Writer {
            out,
            version,
            declared: (header.transactions, header.control_sum_minor),
            written: (0, 0),
            block: None,
        })
    }

    /// A financial institution: its BIC, or `NOTPROVIDED` (both versions allow `Othr`).
    fn agent(&mut self, bic: Option<&str>) -> Result<(), WriteError> {
        match bic.filter(|b| !b.is_empty()) {
            Some(bic) => write!(
                self.out,
                "<FinInstnId><{e}>{}</{e}></FinInstnId>",
                text(bic),
                e = self.version.bic_element()
            )?,
            None => write!(
                self.out,
                "<FinInstnId><Othr><Id>NOTPROVIDED</Id></Othr></FinInstnId>"
            )?,
        }
        Ok(())
    }

    /// Opens a payment information block, up to its creditor scheme identification.
    pub fn begin_block(
        &mut self,
        block: &Block<'_>,
        creditor: &Creditor<'_>,
    ) -> Result<(), WriteError> {
        if self.block.is_some() {
            return Err(WriteError::Order("a block is open already"));
        }
        identifier("PmtInfId", block.payment_info_id)?;
        let name = clip(creditor.name, 70);
        if name.is_empty() {
            return Err(WriteError::EmptyName {
                end_to_end_id: block.payment_info_id.to_string(),
            });
        }
        write!(
            self.out,
            "<PmtInf><PmtInfId>{}</PmtInfId><PmtMtd>DD</PmtMtd><BtchBookg>true</BtchBookg>\
             <NbOfTxs>{}</NbOfTxs><CtrlSum>{}</CtrlSum>\
             <PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl><LclInstrm><Cd>CORE</Cd></LclInstrm>\
             <SeqTp>{}</SeqTp></PmtTpInf><ReqdColltnDt>{}</ReqdColltnDt>\
             <Cdtr><Nm>{}</Nm></Cdtr><CdtrAcct><Id><IBAN>{}</IBAN></Id></CdtrAcct><CdtrAgt>",
            block.payment_info_id,
            block.transactions,
            amount(block.control_sum_minor),
            block.sequence.as_str(),
            block.collection_date.format("%Y-%m-%d"),
            text(&name),
            text(creditor.iban),
        )?;
        self.agent(creditor.bic)?;
        writeln!(
            self.out,
            "</CdtrAgt><ChrgBr>SLEV</ChrgBr><CdtrSchmeId><Id><PrvtId><Othr><Id>{}</Id>\
             <SchmeNm><Prtry>SEPA</Prtry></SchmeNm></Othr></PrvtId></Id></CdtrSchmeId>",
            text(creditor.creditor_id),
        )?;
        self.block = Some(Open {
            declared: (block.transactions, block.control_sum_minor),
            written: (0, 0),
        });
        Ok(())
    }

    /// Writes one debit into the open block.
    pub fn debit(&mut self, d: &Debit<'_>) -> Result<(), WriteError> {
        if self.block.is_none() {
            return Err(WriteError::Order("a debit outside a block"));
        }
        identifier("EndToEndId", d.end_to_end_id)?;
        identifier("MndtId", d.mandate_id)?;
        if !(1..=MAX_AMOUNT).contains(&d.amount_minor) {
            return Err(WriteError::BadAmount {
                end_to_end_id: d.end_to_end_id.to_string(),
            });
        }
        let name = clip(d.debtor_name, 70);
        if name.is_empty() {
            return Err(WriteError::EmptyName {
                end_to_end_id: d.end_to_end_id.to_string(),
            });
        }
        write!(
            self.out,
            "<DrctDbtTxInf><PmtId><EndToEndId>{}</EndToEndId></PmtId>\
             <InstdAmt Ccy=\"EUR\">{}</InstdAmt><DrctDbtTx><MndtRltdInf><MndtId>{}</MndtId>\
             <DtOfSgntr>{}</DtOfSgntr></MndtRltdInf></DrctDbtTx><DbtrAgt>",
            d.end_to_end_id,
            amount(d.amount_minor),
            d.mandate_id,
            d.signed_on.format("%Y-%m-%d"),
        )?;
        self.agent(d.debtor_bic)?;
        write!(
            self.out,
            "</DbtrAgt><Dbtr><Nm>{}</Nm></Dbtr><DbtrAcct><Id><IBAN>{}</IBAN></Id></DbtrAcct>",
            text(&name),
            text(d.debtor_iban),
        )?;
        let remittance = clip(d.remittance, 140);
        if !remittance.is_empty() {
            write!(
                self.out,
                "<RmtInf><Ustrd>{}</Ustrd></RmtInf>",
                text(&remittance)
            )?;
        }
        writeln!(self.out, "</DrctDbtTxInf>")?;
        if let Some(open) = &mut self.block {
            open.written.0 += 1;
            open.written.1 += d.amount_minor;
        }
        self.written.0 += 1;
        self.written.1 += d.amount_minor;
        Ok(())
    }

    /// Closes the open block; its debits must match what it declared.
    pub fn end_block(&mut self) -> Result<(), WriteError> {
        let open = self
            .block
            .take()
            .ok_or(WriteError::Order("no block is open"))?;
        check("a block's debits", open.declared, open.written)?;
        writeln!(self.out, "</PmtInf>")?;
        Ok(())
    }

    /// Closes the document; the debits must match the header. Returns the output.
    pub fn finish(mut self) -> Result<W, WriteError> {
        if self.block.is_some() {
            return Err(WriteError::Order("a block is still open"));
        }
        check("the file's debits", self.declared, self.written)?;
        writeln!(self.out, "</CstmrDrctDbtInitn>\n</Document>")?;
        self.out.flush()?;
        Ok(self.out)
    }
}

fn check(what: &'static str, declared: (u64, i64), written: (u64, i64)) -> Result<(), WriteError> {
    if declared == written {
        Ok(())
    } else {
        Err(WriteError::Totals {
            what,
            declared: format!("{} for {}", declared.0, amount(declared.1)),
            written: format!("{} for {}", written.0, amount(written.1)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    const CREDITOR: Creditor<'static> = Creditor {
        name: "Fietsabonnement B.V.",
        iban: "NL91ABNA0417164300",
        bic: Some("ABNANL2A"),
        creditor_id: "NL98ZZZ999999999999",
    };

    fn debit<'a>(id: &'a str, cents: i64, name: &'a str, bic: Option<&'a str>) -> Debit<'a> {
        Debit {
            end_to_end_id: id,
            amount_minor: cents,
            mandate_id: "FIETS-0001",
            signed_on: d(2026, 1, 15),
            debtor_name: name,
            debtor_iban: "DE89370400440532013000",
            debtor_bic: bic,
            remittance: "2026-00001 Fiets Plus & co",
        }
    }

    /// A file with a FRST block of two debits and a RCUR block of one.
    fn sample(version: Version) -> String {
        let header = GroupHeader {
            message_id: "bat-test1",
            created_at: DateTime::from_timestamp(1_764_662_400, 0).unwrap(),
            transactions: 3,
            control_sum_minor: 1295 + 1 + 2000,
            initiating_party: "Fietsabonnement B.V.",
        };
        let mut w = Writer::start(Vec::new(), version, &header).unwrap();
        let frst = Block {
            payment_info_id: "bat-test1-FRST",
            sequence: Sequence::Frst,
            collection_date: d(2026, 12, 10),
            transactions: 2,
            control_sum_minor: 1296,
        };
        w.begin_block(&frst, &CREDITOR).unwrap();
        w.debit(&debit("e2e-1", 1295, "Zoë Ødegård & Søn <Test> 😀", None))
            .unwrap();
        w.debit(&debit("e2e-2", 1, "Łukasz Straße", Some("COBADEFFXXX")))
            .unwrap();
        w.end_block().unwrap();
        let rcur = Block {
            payment_info_id: "bat-test1-RCUR",
            sequence: Sequence::Rcur,
            transactions: 1,
            control_sum_minor: 2000,
            ..frst
        };
        w.begin_block(
            &rcur,
            &Creditor {
                bic: None,
                ..CREDITOR
            },
        )
        .unwrap();
        w.debit(&debit("e2e-3", 2000, "Jan", None)).unwrap();
        w.end_block().unwrap();
        String::from_utf8(w.finish().unwrap()).unwrap()
    }

    fn xmllint_valid(xml: &str, version: Version) -> Option<bool> {
        let dir = std::env::temp_dir().join(format!(
            "abbo-pain-{}-{}",
            std::process::id(),
            version.as_str()
        ));
        std::fs::write(&dir, xml).unwrap();
        let xsd = format!(
            "{}/../shared/sepa/{}.xsd",
            env!("CARGO_MANIFEST_DIR"),
            version.as_str()
        );
        let out = Command::new("xmllint")
            .args(["--noout", "--schema", &xsd])
            .arg(&dir)
            .output();
        let _ = std::fs::remove_file(&dir);
        match out {
            Ok(out) => {
                if !out.status.success() {
                    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
                }
                Some(out.status.success())
            }
            Err(_) => None,
        }
    }

    #[test]
    fn amounts_are_written_from_integer_cents() {
        assert_eq!(amount(1), "0.01");
        assert_eq!(amount(1999), "19.99");
        assert_eq!(amount(9_852_987), "98529.87");
        assert_eq!(amount(10_000), "100.00");
        assert_eq!(amount(0), "0.00");
    }

    #[test]
    fn both_versions_validate_against_their_schema() {
        for version in Version::ALL {
            let xml = sample(version);
            assert!(xml.contains("<SeqTp>FRST</SeqTp>") && xml.contains("<SeqTp>RCUR</SeqTp>"));
            assert!(xml.contains("<CtrlSum>32.96</CtrlSum>"), "{xml}");
            assert!(xml.contains("<Nm>Zoe Odegard + Son (Test)</Nm>"), "{xml}");
            assert!(xml.contains("<Nm>Lukasz Strasse</Nm>"));
            assert!(xml.contains("<Othr><Id>NOTPROVIDED</Id></Othr>"));
            assert!(xml.contains(&format!(
                "<{b}>COBADEFFXXX</{b}>",
                b = version.bic_element()
            )));
            assert!(xml.contains("<Ustrd>2026-00001 Fiets Plus + co</Ustrd>"));
            match xmllint_valid(&xml, version) {
                Some(valid) => assert!(valid, "{} validates:\n{xml}", version.as_str()),
                None => eprintln!("skipped: xmllint not installed"),
            }
        }
    }

    #[test]
    fn ten_thousand_cents_make_one_hundred_euros() {
        let header = GroupHeader {
            message_id: "bat-cents",
            created_at: DateTime::from_timestamp(1_764_662_400, 0).unwrap(),
            transactions: 10_000,
            control_sum_minor: 10_000,
            initiating_party: "Fietsabonnement",
        };
        let mut w = Writer::start(Vec::new(), Version::V02, &header).unwrap();
        let block = Block {
            payment_info_id: "bat-cents-RCUR",
            sequence: Sequence::Rcur,
            collection_date: d(2026, 12, 10),
            transactions: 10_000,
            control_sum_minor: 10_000,
        };
        w.begin_block(&block, &CREDITOR).unwrap();
        for n in 0..10_000 {
            let id = format!("e2e-{n}");
            w.debit(&debit(&id, 1, "Jan", None)).unwrap();
        }
        w.end_block().unwrap();
        let xml = String::from_utf8(w.finish().unwrap()).unwrap();
        assert_eq!(xml.matches("<CtrlSum>100.00</CtrlSum>").count(), 2);
        assert_eq!(xml.matches("<DrctDbtTxInf>").count(), 10_000);
    }

    #[test]
    fn bad_debits_and_wrong_totals_are_refused() {
        let header = GroupHeader {
            message_id: "bat-bad",
            created_at: DateTime::from_timestamp(1_764_662_400, 0).unwrap(),
            transactions: 1,
            control_sum_minor: 100,
            initiating_party: "Fietsabonnement",
        };
        let block = Block {
            payment_info_id: "bat-bad-FRST",
            sequence: Sequence::Frst,
            collection_date: d(2026, 12, 10),
            transactions: 1,
            control_sum_minor: 100,
        };
        let mut w = Writer::start(Vec::new(), Version::V08, &header).unwrap();
        assert!(matches!(
            w.debit(&debit("e2e-1", 100, "Jan", None)),
            Err(WriteError::Order(_))
        ));
        w.begin_block(&block, &CREDITOR).unwrap();
        assert!(matches!(
            w.debit(&debit("e2e-1", 100, "Иван Петров", None)),
            Err(WriteError::EmptyName { .. })
        ));
        assert!(matches!(
            w.debit(&debit("e2e_1", 100, "Jan", None)),
            Err(WriteError::BadIdentifier {
                field: "EndToEndId",
                ..
            })
        ));
        assert!(matches!(
            w.debit(&debit("e2e-1", 0, "Jan", None)),
            Err(WriteError::BadAmount { .. })
        ));
        w.debit(&debit("e2e-1", 99, "Jan", None)).unwrap();
        assert!(matches!(w.end_block(), Err(WriteError::Totals { .. })));
        assert!(
            Writer::start(
                Vec::new(),
                Version::V02,
                &GroupHeader {
                    message_id: "has space",
                    ..header
                }
            )
            .is_err()
        );
    }
}
