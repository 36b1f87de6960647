//! Reading what the bank says about a collection: pain.002 status reports (rejects before
//! settlement) and camt.053 statements / camt.054 notifications (returns and refunds after),
//! in any of their versions (elements are matched by local name).
//!
//! Hardened, because return files come from outside: the size is checked before any parsing,
//! a DOCTYPE is refused outright (so no entity is ever defined or expanded), only the five
//! predefined entities and character references are read, and nesting is capped.

use chrono::NaiveDate;
use quick_xml::Reader;
use quick_xml::events::Event;

/// The largest file read.
pub const MAX_BYTES: usize = 32 * 1024 * 1024;
/// The deepest nesting read (bank files nest about 12 deep).
const MAX_DEPTH: usize = 64;

/// What kind of report a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageType {
    Pain002,
    Camt053,
    Camt054,
}

impl MessageType {
    /// `pain.002`, `camt.053` or `camt.054`.
    pub fn as_str(&self) -> &'static str {
        match self {
            MessageType::Pain002 => "pain.002",
            MessageType::Camt053 => "camt.053",
            MessageType::Camt054 => "camt.054",
        }
    }
}

/// What an entry is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// One debit, by its EndToEndId.
    EndToEnd(String),
    /// A whole payment information block (`OrgnlPmtInfId`).
    PaymentInfo(String),
    /// The whole original file (`OrgnlMsgId`).
    Message(String),
}

/// Whether the debit never reached the debtor's bank or came back after settlement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// Refused before settlement (pain.002).
    Reject,
    /// Returned or refunded after settlement (camt with `RtrInf`).
    Return,
}

/// One reject or return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub target: Target,
    pub kind: EntryKind,
    pub reason_code: Option<String>,
    pub amount_minor: Option<i64>,
    pub booked_on: Option<NaiveDate>,
}

/// A report as read.
#[derive(Debug, Clone)]
pub struct Report {
    pub message_type: MessageType,
    pub message_id: String,
    pub entries: Vec<Entry>,
    /// Statuses and bookings that are no reject or return (accepted debits, the batch's credit).
    pub ignored: usize,
}

/// Why a file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("The file is larger than {} MB; bank return files are much smaller", max / (1024 * 1024))]
    TooLarge { max: usize },
    #[error("The file is not XML: {0}")]
    NotXml(String),
    #[error("The file declares a DTD, which bank files never do; refused")]
    Dtd,
    #[error("The file nests elements deeper than bank files do; refused")]
    TooDeep,
    #[error("This is not a pain.002, camt.053 or camt.054 file (it is {0})")]
    UnknownMessage(String),
    #[error("The file could not be read: {0}")]
    Malformed(String),
}

/// Integer cents from a decimal amount such as `12.3` or `1295.00`; no floats.
fn cents(text: &str) -> Result<i64, ReadError> {
    let bad = || ReadError::Malformed(format!("“{text}” is not an amount"));
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty()
        || whole.len() > 15
        || fraction.len() > 2
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    let fraction: i64 = format!("{fraction:0<2}").parse().map_err(|_| bad())?;
    whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(fraction))
        .ok_or_else(bad)
}

/// The value of a predefined entity or character reference.
fn reference(name: &str) -> Result<String, ReadError> {
    let unknown = || ReadError::Malformed(format!("the entity &{name}; is not defined"));
    Ok(match name {
        "amp" => "&".into(),
        "lt" => "<".into(),
        "gt" => ">".into(),
        "apos" => "'".into(),
        "quot" => "\"".into(),
        _ => {
            let code = if let Some(hex) = name.strip_prefix("#x") {
                u32::from_str_radix(hex, 16).map_err(|_| unknown())?
            } else if let Some(dec) = name.strip_prefix('#') {
                dec.parse().map_err(|_| unknown())?
            } else {
                return Err(unknown());
            };
            char::from_u32(code).ok_or_else(unknown)?.to_string()
        }
    })
}

/// The `xmlns` of an element's attributes, if any.
fn namespace(raw: &str) -> Option<String> {
    let at = raw.find("xmlns=")?;
    let rest = &raw[at + 6..];
    let quote = rest.chars().next()?;
    let rest = &rest[1..];
    Some(rest[..rest.find(quote)?].to_string())
}

/// What a report's elements are gathered into while reading.
#[derive(Default)]
struct Item {
    target: Option<String>,
    status: Option<String>,
    code: Option<String>,
    amount: Option<i64>,
    returned: bool,
}

/// Reads a pain.002, camt.053 or camt.054 file.
pub fn read(bytes: &[u8]) -> Result<Report, ReadError> {
    if bytes.len() > MAX_BYTES {
        return Err(ReadError::TooLarge { max: MAX_BYTES });
    }
    let text =
        std::str::from_utf8(bytes).map_err(|_| ReadError::NotXml("it is not UTF-8 text".into()))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if !text.trim_start().starts_with('<') {
        return Err(ReadError::NotXml(
            "it does not start with an element".into(),
        ));
    }
    let mut reader = Reader::from_str(text);
    let mut path: Vec<String> = Vec::new();
    let mut buffer = String::new();
    let mut kind: Option<MessageType> = None;
    let mut report = Report {
        message_type: MessageType::Pain002,
        message_id: String::new(),
        entries: Vec::new(),
        ignored: 0,
    };
    // The open group, block, transaction (pain.002) or entry and its details (camt).
    let mut group = Item::default();
    let mut block = Item::default();
    let mut tx = Item::default();
    let mut booked: Option<NaiveDate> = None;
    let mut details_in_entry = 0usize;
    let mut seen_root = false;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| ReadError::NotXml(e.to_string()))?;
        match event {
            Event::DocType(_) => return Err(ReadError::Dtd),
            Event::Start(e) => {
                let name = e.local_name().as_ref().to_string();
                if !seen_root {
                    seen_root = true;
                    let ns = namespace(&e).unwrap_or_default();
                    if name != "Document" {
                        return Err(ReadError::UnknownMessage(format!("a <{name}> document")));
                    }
                    kind = Some(if ns.contains(":pain.002.") {
                        MessageType::Pain002
                    } else if ns.contains(":camt.053.") {
                        MessageType::Camt053
                    } else if ns.contains(":camt.054.") {
                        MessageType::Camt054
                    } else {
                        let what = ns.rsplit(':').next().unwrap_or("").to_string();
                        return Err(ReadError::UnknownMessage(if what.is_empty() {
                            "a document without an ISO 20022 namespace".into()
                        } else {
                            what
                        }));
                    });
                }
                path.push(name);
                if path.len() > MAX_DEPTH {
                    return Err(ReadError::TooDeep);
                }
                buffer.clear();
                match path.last().map(String::as_str) {
                    Some("OrgnlGrpInfAndSts") => group = Item::default(),
                    Some("OrgnlPmtInfAndSts") => block = Item::default(),
                    Some("TxInfAndSts") | Some("TxDtls") => tx = Item::default(),
                    Some("Ntry") => {
                        booked = None;
                        details_in_entry = 0;
                    }
                    Some("RtrInf") => tx.returned = true,
                    _ => {}
                }
            }
            Event::Empty(e) => {
                if !seen_root {
                    return Err(ReadError::UnknownMessage("an empty document".into()));
                }
                if e.local_name().as_ref() == "RtrInf" {
                    tx.returned = true;
                }
            }
            Event::Text(t) => buffer.push_str(&t.xml10_content()),
            Event::CData(t) => buffer.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => buffer.push_str(&reference(&r)?),
            Event::End(_) => {
                let value = buffer.trim().to_string();
                buffer.clear();
                let Some(kind) = kind else {
                    return Err(ReadError::Malformed("an end before the document".into()));
                };
                let p: Vec<&str> = path.iter().map(String::as_str).collect();
                let ends = |tail: &[&str]| p.ends_with(tail);
                if p.len() == 4 && ends(&["GrpHdr", "MsgId"]) {
                    report.message_id = value.clone();
                }
                match kind {
                    MessageType::Pain002 => {
                        let last = p.last().copied().unwrap_or("");
                        let parent = p.len().checked_sub(2).map(|i| p[i]).unwrap_or("");
                        match (parent, last) {
                            ("OrgnlGrpInfAndSts", "OrgnlMsgId") => group.target = Some(value),
                            ("OrgnlGrpInfAndSts", "GrpSts") => group.status = Some(value),
                            ("OrgnlPmtInfAndSts", "OrgnlPmtInfId") => block.target = Some(value),
                            ("OrgnlPmtInfAndSts", "PmtInfSts") => block.status = Some(value),
                            ("TxInfAndSts", "OrgnlEndToEndId") => tx.target = Some(value),
                            ("TxInfAndSts", "TxSts") => tx.status = Some(value),
                            ("Rsn", "Cd")
                                if ends(&["OrgnlGrpInfAndSts", "StsRsnInf", "Rsn", "Cd"]) =>
                            {
                                group.code.get_or_insert(value);
                            }
                            ("Rsn", "Cd")
                                if ends(&["OrgnlPmtInfAndSts", "StsRsnInf", "Rsn", "Cd"]) =>
                            {
                                block.code.get_or_insert(value);
                            }
                            ("Rsn", "Cd") if ends(&["TxInfAndSts", "StsRsnInf", "Rsn", "Cd"]) => {
                                tx.code.get_or_insert(value);
                            }
                            ("InstdAmt", _) | (_, "InstdAmt")
                                if ends(&["OrgnlTxRef", "Amt", "InstdAmt"]) =>
                            {
                                tx.amount = Some(cents(&value)?);
                            }
                            (_, "OrgnlGrpInfAndSts") => {
                                finish(&mut report, std::mem::take(&mut group), Target::Message)
                            }
                            (_, "OrgnlPmtInfAndSts") => {
                                finish(&mut report, std::mem::take(&mut block), Target::PaymentInfo)
                            }
                            (_, "TxInfAndSts") => {
                                finish(&mut report, std::mem::take(&mut tx), Target::EndToEnd)
                            }
                            _ => {}
                        }
                    }
                    MessageType::Camt053 | MessageType::Camt054 => {
                        if ends(&["Ntry", "BookgDt", "Dt"]) || ends(&["Ntry", "BookgDt", "DtTm"]) {
                            booked = value
                                .get(..10)
                                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
                        } else if ends(&["TxDtls", "Refs", "EndToEndId"]) {
                            tx.target = Some(value);
                        } else if ends(&["TxDtls", "RtrInf", "Rsn", "Cd"]) {
                            tx.code = Some(value);
                        } else if ends(&["TxDtls", "RtrInf", "Rsn", "Prtry"]) {
                            // A bank's own code, when it gives no ISO one.
                            tx.code.get_or_insert(value);
                        } else if (ends(&["TxDtls", "AmtDtls", "TxAmt", "Amt"])
                            || ends(&["TxDtls", "AmtDtls", "InstdAmt", "Amt"])
                            || ends(&["TxDtls", "Amt"]))
                            && tx.amount.is_none()
                        {
                            tx.amount = Some(cents(&value)?);
                        } else if ends(&["TxDtls"]) {
                            details_in_entry += 1;
                            let item = std::mem::take(&mut tx);
                            if item.returned {
                                report.entries.push(Entry {
                                    target: Target::EndToEnd(
                                        item.target
                                            .filter(|t| !t.is_empty())
                                            .unwrap_or_else(|| "NOTPROVIDED".into()),
                                    ),
                                    kind: EntryKind::Return,
                                    reason_code: item.code,
                                    amount_minor: item.amount,
                                    booked_on: booked,
                                });
                            } else {
                                report.ignored += 1;
                            }
                        } else if ends(&["Ntry"]) && details_in_entry == 0 {
                            report.ignored += 1;
                        }
                    }
                }
                path.pop();
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
        }
    }
    let Some(message_type) = kind else {
        return Err(ReadError::NotXml("it holds no element".into()));
    };
    if !path.is_empty() {
        return Err(ReadError::NotXml(
            "it ends before its elements are closed".into(),
        ));
    }
    report.message_type = message_type;
    if report.message_id.is_empty() {
        return Err(ReadError::Malformed("the group header has no MsgId".into()));
    }
    Ok(report)
}

/// Adds a pain.002 group, block or transaction to the report when it was rejected.
fn finish(report: &mut Report, item: Item, target: fn(String) -> Target) {
    match (item.status.as_deref(), item.target) {
        (Some("RJCT"), Some(id)) => report.entries.push(Entry {
            target: target(id),
            kind: EntryKind::Reject,
            reason_code: item.code,
            amount_minor: item.amount,
            booked_on: None,
        }),
        (Some(_), _) => report.ignored += 1,
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAIN002: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03">
  <CstmrPmtStsRpt>
    <GrpHdr><MsgId>STS-2026-12-03</MsgId><CreDtTm>2026-12-03T09:00:00</CreDtTm></GrpHdr>
    <OrgnlGrpInfAndSts><OrgnlMsgId>bat-abc</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.02</OrgnlMsgNmId><GrpSts>PART</GrpSts></OrgnlGrpInfAndSts>
    <OrgnlPmtInfAndSts>
      <OrgnlPmtInfId>bat-abc-FRST</OrgnlPmtInfId>
      <TxInfAndSts><OrgnlEndToEndId>e2e-1</OrgnlEndToEndId><TxSts>RJCT</TxSts>
        <StsRsnInf><Rsn><Cd>AM04</Cd></Rsn></StsRsnInf>
        <OrgnlTxRef><Amt><InstdAmt Ccy="EUR">12.95</InstdAmt></Amt></OrgnlTxRef></TxInfAndSts>
      <TxInfAndSts><OrgnlEndToEndId>e2e-2</OrgnlEndToEndId><TxSts>RJCT</TxSts>
        <StsRsnInf><Rsn><Cd>AC04</Cd></Rsn></StsRsnInf></TxInfAndSts>
      <TxInfAndSts><OrgnlEndToEndId>e2e-3</OrgnlEndToEndId><TxSts>ACCP</TxSts></TxInfAndSts>
    </OrgnlPmtInfAndSts>
  </CstmrPmtStsRpt>
</Document>"#;

    #[test]
    fn a_status_report_lists_its_rejects() {
        let r = read(PAIN002.as_bytes()).unwrap();
        assert_eq!(r.message_type, MessageType::Pain002);
        assert_eq!(r.message_id, "STS-2026-12-03");
        assert_eq!(r.entries.len(), 2);
        assert_eq!(r.entries[0].target, Target::EndToEnd("e2e-1".into()));
        assert_eq!(r.entries[0].reason_code.as_deref(), Some("AM04"));
        assert_eq!(r.entries[0].amount_minor, Some(1295));
        assert_eq!(r.entries[0].kind, EntryKind::Reject);
        assert_eq!(r.entries[1].reason_code.as_deref(), Some("AC04"));
        assert_eq!(
            r.ignored, 2,
            "the accepted debit and the partly accepted group"
        );
    }

    #[test]
    fn a_rejected_file_is_one_entry() {
        let xml = r#"<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrPmtStsRpt>
            <GrpHdr><MsgId>S1</MsgId></GrpHdr>
            <OrgnlGrpInfAndSts><OrgnlMsgId>bat-x</OrgnlMsgId><GrpSts>RJCT</GrpSts>
            <StsRsnInf><Rsn><Cd>FF01</Cd></Rsn></StsRsnInf></OrgnlGrpInfAndSts></CstmrPmtStsRpt></Document>"#;
        let r = read(xml.as_bytes()).unwrap();
        assert_eq!(r.entries.len(), 1);
        assert_eq!(r.entries[0].target, Target::Message("bat-x".into()));
        assert_eq!(r.entries[0].reason_code.as_deref(), Some("FF01"));
    }

    #[test]
    fn a_batch_booking_is_read_detail_by_detail() {
        let xml = r#"<?xml version="1.0"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"><BkToCstmrDbtCdtNtfctn>
<GrpHdr><MsgId>NTF-1</MsgId></GrpHdr><Ntfctn><Id>N1</Id>
<Ntry><Amt Ccy="EUR">25.95</Amt><CdtDbtInd>DBIT</CdtDbtInd><BookgDt><Dt>2026-12-09</Dt></BookgDt>
<NtryDtls>
 <TxDtls><Refs><EndToEndId>e2e-1</EndToEndId></Refs><AmtDtls><TxAmt><Amt Ccy="EUR">12.95</Amt></TxAmt></AmtDtls><RtrInf><Rsn><Cd>MD06</Cd></Rsn></RtrInf></TxDtls>
 <TxDtls><Refs><EndToEndId>e2e-2</EndToEndId></Refs><Amt Ccy="EUR">13.00</Amt><RtrInf><Rsn><Cd>MS03</Cd></Rsn><AddtlInf>R &amp; D</AddtlInf></RtrInf></TxDtls>
 <TxDtls><Refs><EndToEndId>e2e-3</EndToEndId></Refs><Amt Ccy="EUR">5</Amt></TxDtls>
</NtryDtls></Ntry></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>"#;
        let r = read(xml.as_bytes()).unwrap();
        assert_eq!(r.message_type, MessageType::Camt054);
        assert_eq!(r.entries.len(), 2);
        assert_eq!(r.entries[0].reason_code.as_deref(), Some("MD06"));
        assert_eq!(r.entries[0].amount_minor, Some(1295));
        assert_eq!(r.entries[0].booked_on, NaiveDate::from_ymd_opt(2026, 12, 9));
        assert_eq!(r.entries[1].target, Target::EndToEnd("e2e-2".into()));
        assert_eq!(r.entries[1].amount_minor, Some(1300));
        assert_eq!(r.ignored, 1);
    }

    #[test]
    fn a_statement_return_is_read() {
        let xml = r#"<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>STMT-7</MsgId></GrpHdr><Stmt><Ntry><Amt Ccy="EUR">12.3</Amt><BookgDt><Dt>2026-12-10</Dt></BookgDt>
<NtryDtls><TxDtls><Refs><EndToEndId>e2e-9</EndToEndId></Refs><Amt Ccy="EUR">12.3</Amt><RtrInf><Rsn><Cd>MD01</Cd></Rsn></RtrInf></TxDtls></NtryDtls></Ntry>
<Ntry><Amt Ccy="EUR">100.00</Amt></Ntry></Stmt></BkToCstmrStmt></Document>"#;
        let r = read(xml.as_bytes()).unwrap();
        assert_eq!(r.message_type, MessageType::Camt053);
        assert_eq!(r.entries.len(), 1);
        assert_eq!(r.entries[0].amount_minor, Some(1230));
        assert_eq!(r.entries[0].reason_code.as_deref(), Some("MD01"));
        assert_eq!(r.ignored, 1, "the entry without details");
    }

    #[test]
    fn hostile_and_wrong_files_are_refused() {
        let bomb = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"><X>&lol2;</X></Document>"#;
        assert_eq!(read(bomb.as_bytes()).unwrap_err(), ReadError::Dtd);
        let huge = vec![b' '; MAX_BYTES + 1];
        assert_eq!(
            read(&huge).unwrap_err(),
            ReadError::TooLarge { max: MAX_BYTES }
        );
        let deep = format!(
            "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.054.001.02\">{}{}</Document>",
            "<a>".repeat(100),
            "</a>".repeat(100)
        );
        assert_eq!(read(deep.as_bytes()).unwrap_err(), ReadError::TooDeep);
        assert!(matches!(
            read(b"IBAN;amount\n").unwrap_err(),
            ReadError::NotXml(_)
        ));
        assert!(matches!(
            read(&[0xff, 0xfe, 0x00]).unwrap_err(),
            ReadError::NotXml(_)
        ));
        let pain001 = r#"<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn/></Document>"#;
        assert_eq!(
            read(pain001.as_bytes()).unwrap_err(),
            ReadError::UnknownMessage("pain.001.001.03".into())
        );
        let entity = r#"<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"><GrpHdr><MsgId>&xxe;</MsgId></GrpHdr></Document>"#;
        assert!(matches!(
            read(entity.as_bytes()).unwrap_err(),
            ReadError::Malformed(_)
        ));
        let cut = r#"<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"><GrpHdr>"#;
        assert!(matches!(
            read(cut.as_bytes()).unwrap_err(),
            ReadError::NotXml(_)
        ));
    }

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/src/sepa/testdata/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn bank_shaped_files_are_read() {
        let r = read(&fixture("pain002_transaction_rejects.xml")).unwrap();
        let codes: Vec<_> = r
            .entries
            .iter()
            .map(|e| e.reason_code.clone().unwrap())
            .collect();
        assert_eq!(
            codes,
            ["AM04", "AC04"],
            "the service level and instrument codes are no reasons"
        );
        let r = read(&fixture("pain002_group_reject.xml")).unwrap();
        assert!(matches!(r.entries[0].target, Target::Message(_)));
        assert_eq!(r.entries[0].reason_code.as_deref(), Some("FF01"));
        let r = read(&fixture("camt053_md01_return.xml")).unwrap();
        assert_eq!(r.entries.len(), 1);
        assert_eq!(r.entries[0].target, Target::EndToEnd("E2E-0002".into()));
        assert_eq!(r.entries[0].reason_code.as_deref(), Some("MD01"));
        let r = read(&fixture("camt054_batch_returns.xml")).unwrap();
        assert_eq!(r.entries.len(), 2);
        assert_eq!(r.entries[0].amount_minor, Some(1999));
        assert_eq!(r.entries[1].target, Target::EndToEnd("NOTPROVIDED".into()));
        assert_eq!(r.entries[1].reason_code.as_deref(), Some("MS03"));
        assert_eq!(r.ignored, 2, "the fee detail and the entry without details");
    }

    #[test]
    fn amounts_are_read_without_floats() {
        assert_eq!(cents("12.3"), Ok(1230));
        assert_eq!(cents("12"), Ok(1200));
        assert_eq!(cents("0.01"), Ok(1));
        assert_eq!(cents("98529.87"), Ok(9_852_987));
        assert!(cents("12.345").is_err());
        assert!(cents("-1.00").is_err());
        assert!(cents("1e3").is_err());
        assert!(cents("").is_err());
    }
}
