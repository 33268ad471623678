//! Invoice (credit note) lines and allowances/charges: the required line elements, the base
//! quantity rules and the line net amount (PEPPOL-EN16931-R120), and the percentage
//! arithmetic of allowances and charges.

use std::cmp::Ordering;

use super::super::super::decimal::Decimal;
use super::catalog::*;
use super::{Rules, blank, found_expected, normalize_space, per_cent};
use crate::xml::Element;

impl Rules<'_> {
    pub(super) fn lines(&mut self) {
        let lines: Vec<&Element> = self.line_elements().collect();
        let several = lines.len() > 1;
        for (i, line) in lines.into_iter().enumerate() {
            let path = if several {
                self.at(&format!("cac:{}[{}]", self.kind.line, i + 1))
            } else {
                self.at(&format!("cac:{}", self.kind.line))
            };
            self.line(line, &path);
        }
    }

    pub(super) fn line(&mut self, line: &Element, path: &str) {
        let quantity_el = line.child(self.kind.quantity);
        if blank(line.child("ID")) {
            self.fail(BR_21, format!("{path}/cbc:ID"));
        }
        if line.child("InvoicedQuantity").is_none() && line.child("CreditedQuantity").is_none() {
            self.fail(BR_22, format!("{path}/cbc:{}", self.kind.quantity));
        }
        let has_unit = |name: &str| {
            line.child(name)
                .is_some_and(|q| q.attr("unitCode").is_some())
        };
        if !has_unit("InvoicedQuantity") && !has_unit("CreditedQuantity") {
            self.fail(
                BR_23,
                format!("{path}/cbc:{}/@unitCode", self.kind.quantity),
            );
        }
        if line.child("LineExtensionAmount").is_none() {
            self.fail(BR_24, format!("{path}/cbc:LineExtensionAmount"));
        }
        if blank(line.at(&["Item", "Name"])) {
            self.fail(BR_25, format!("{path}/cac:Item/cbc:Name"));
        }
        if line.at(&["Price", "PriceAmount"]).is_none() {
            self.fail(BR_26, format!("{path}/cac:Price/cbc:PriceAmount"));
        }
        // BR-27 and BR-28 compare with `>= 0`: an absent net price fails (so BR-27 always
        // joins BR-26), an absent gross price is let through, and with several gross prices
        // one that is not negative is enough (XPath's comparison of a sequence). A value that
        // is no number is the XSD finding's business.
        let negative = |el: &&Element| {
            Decimal::parse(el.text())
                .and_then(|v| v.checked_cmp(Decimal::ZERO))
                .is_some_and(|o| o == Ordering::Less)
        };
        let net_price = line.at(&["Price", "PriceAmount"]);
        if net_price.is_none_or(|p| negative(&p)) {
            self.fail(BR_27, format!("{path}/cac:Price/cbc:PriceAmount"));
        }
        let gross_prices: Vec<&Element> = line
            .child("Price")
            .into_iter()
            .flat_map(|p| p.children_named("AllowanceCharge"))
            .filter_map(|ac| ac.child("BaseAmount"))
            .collect();
        if !gross_prices.is_empty() && gross_prices.iter().all(negative) {
            self.fail(
                BR_28,
                format!("{path}/cac:Price/cac:AllowanceCharge/cbc:BaseAmount"),
            );
        }
        if let Some(amount) = line.child("LineExtensionAmount") {
            let decimals = amount
                .text()
                .split_once('.')
                .map_or(0, |(_, f)| f.chars().count());
            if decimals > 2 {
                self.fail(BR_DEC_23, format!("{path}/cbc:LineExtensionAmount"));
            }
        }

        let base_quantity_el = line.at(&["Price", "BaseQuantity"]);
        if let Some(base) = base_quantity_el {
            if !Decimal::parse(base.text()).is_some_and(Decimal::is_positive) {
                self.fail(R121, format!("{path}/cac:Price/cbc:BaseQuantity"));
            }
            if let Some(unit) = base.attr("unitCode") {
                let has_quantity = line.child("InvoicedQuantity").is_some()
                    || line.child("CreditedQuantity").is_some();
                if has_quantity && quantity_el.and_then(|q| q.attr("unitCode")) != Some(unit) {
                    self.fail(R130, format!("{path}/cac:Price/cbc:BaseQuantity/@unitCode"));
                }
            }
        }
        self.gross_price(line, path);
        self.line_net_amount(line, path);
    }

    /// PEPPOL-EN16931-R046: with a gross price (the price allowance's base amount), the net
    /// price is exactly gross minus the allowance; no tolerance, and a missing allowance
    /// amount or net price makes the equation false.
    pub(super) fn gross_price(&mut self, line: &Element, path: &str) {
        let Some(price) = line.child("Price") else {
            return;
        };
        let value =
            |el: &Element, name: &str| el.child(name).and_then(|e| Decimal::parse(e.text()));
        let net = value(price, "PriceAmount");
        let allowances: Vec<&Element> = price.children_named("AllowanceCharge").collect();
        let several = allowances.len() > 1;
        for (i, allowance) in allowances.into_iter().enumerate() {
            if allowance.child("BaseAmount").is_none() {
                continue;
            }
            let gross = value(allowance, "BaseAmount");
            let amount = value(allowance, "Amount");
            let expected = gross.zip(amount).and_then(|(g, a)| g.checked_sub(a));
            let holds = match (net, gross, amount) {
                (Some(net), Some(gross), Some(amount)) => gross
                    .checked_sub(amount)
                    .and_then(|expected| net.checked_cmp(expected))
                    .map(|o| o == Ordering::Equal),
                _ => Some(false),
            };
            let step = if several {
                format!("cac:AllowanceCharge[{}]", i + 1)
            } else {
                "cac:AllowanceCharge".to_owned()
            };
            self.verdict(
                R046,
                format!("{path}/cac:Price/{step}"),
                holds,
                &found_expected(net, expected),
            );
        }
    }

    /// PEPPOL-EN16931-R120: net amount = quantity × (price / base quantity) + charges −
    /// allowances, ±0.02. Compared multiplied through by the base quantity, so no division
    /// is ever rounded.
    pub(super) fn line_net_amount(&mut self, line: &Element, path: &str) {
        // The expression's defaults: a missing value counts as 0 (amounts) or 1 (quantities).
        let value = |el: Option<&Element>, default: Decimal| match el {
            None => Some(default),
            Some(e) => Decimal::parse(e.text()),
        };
        let Some(net) = value(line.child("LineExtensionAmount"), Decimal::ZERO) else {
            return;
        };
        let Some(quantity) = value(line.child(self.kind.quantity), Decimal::int(1)) else {
            return;
        };
        let Some(price) = value(line.at(&["Price", "PriceAmount"]), Decimal::ZERO) else {
            return;
        };
        let base = match line.at(&["Price", "BaseQuantity"]) {
            None => Decimal::int(1),
            Some(e) => match Decimal::parse(e.text()) {
                None => return,
                Some(b) if b == Decimal::ZERO => Decimal::int(1),
                Some(b) => b,
            },
        };
        // Line allowances and charges are told apart by the literal text here, unlike the
        // EN 16931 rules which read ChargeIndicator as a boolean.
        let sum_of = |indicator: &str| {
            Decimal::sum(
                line.children_named("AllowanceCharge")
                    .filter(|ac| {
                        normalize_space(ac.text_at(&["ChargeIndicator"]).unwrap_or_default())
                            == indicator
                    })
                    .filter_map(|ac| ac.child("Amount"))
                    .filter_map(|a| Decimal::parse(a.text())),
            )
            .and_then(|s| s.round_half_towards_positive_infinity(2))
        };
        let (Some(charges), Some(allowances)) = (sum_of("true"), sum_of("false")) else {
            return;
        };
        // |net − charges + allowances − q·p/b| ≤ 0.02  ⇔  |(net − charges + allowances)·b − q·p| ≤ 0.02·|b|
        let adjusted = net
            .checked_sub(charges)
            .and_then(|v| v.checked_add(allowances));
        let lhs = adjusted.and_then(|v| v.checked_mul(base));
        let rhs = quantity.checked_mul(price);
        let slack = Decimal::cents(2).checked_mul(base.abs());
        let holds = match (lhs, rhs, slack) {
            (Some(l), Some(r), Some(s)) => l.within(r, s),
            _ => None,
        };
        let detail = format!(
            "Found {net}, computed {quantity} × {price} / {base} + {charges} − {allowances}."
        );
        self.verdict(
            R120,
            format!("{path}/cbc:LineExtensionAmount"),
            holds,
            &detail,
        );
    }

    pub(super) fn allowances_and_charges(&mut self) {
        let mut found: Vec<(String, &Element)> = Vec::new();
        let document_level: Vec<&Element> = self.root.children_named("AllowanceCharge").collect();
        for (i, ac) in document_level.iter().enumerate() {
            let step = if document_level.len() > 1 {
                format!("cac:AllowanceCharge[{}]", i + 1)
            } else {
                "cac:AllowanceCharge".to_owned()
            };
            found.push((self.at(&step), ac));
        }
        let lines: Vec<&Element> = self.line_elements().collect();
        for (l, line) in lines.iter().enumerate() {
            let line_step = if lines.len() > 1 {
                format!("cac:{}[{}]", self.kind.line, l + 1)
            } else {
                format!("cac:{}", self.kind.line)
            };
            let own: Vec<&Element> = line.children_named("AllowanceCharge").collect();
            for (i, ac) in own.iter().enumerate() {
                let step = if own.len() > 1 {
                    format!("cac:AllowanceCharge[{}]", i + 1)
                } else {
                    "cac:AllowanceCharge".to_owned()
                };
                found.push((self.at(&format!("{line_step}/{step}")), ac));
            }
        }
        for (path, ac) in found {
            let indicator = normalize_space(ac.text_at(&["ChargeIndicator"]).unwrap_or_default());
            if indicator != "true" && indicator != "false" {
                self.fail(R043, format!("{path}/cbc:ChargeIndicator"));
            }
            let factor = ac.child("MultiplierFactorNumeric");
            let base = ac.child("BaseAmount");
            match (factor, base) {
                (Some(_), None) => self.fail(R041, format!("{path}/cbc:BaseAmount")),
                (None, Some(_)) => {
                    self.fail(R042, format!("{path}/cbc:MultiplierFactorNumeric"));
                }
                (Some(factor), Some(base)) => {
                    let amount = match ac.child("Amount") {
                        None => Some(Decimal::ZERO),
                        Some(a) => Decimal::parse(a.text()),
                    };
                    let (Some(amount), Some(factor), Some(base)) = (
                        amount,
                        Decimal::parse(factor.text()),
                        Decimal::parse(base.text()),
                    ) else {
                        continue;
                    };
                    // |amount − base·factor/100| ≤ 0.02  ⇔  |amount·100 − base·factor| ≤ 2
                    let holds = amount
                        .checked_mul(Decimal::int(100))
                        .zip(base.checked_mul(factor))
                        .and_then(|(l, r)| l.within(r, Decimal::int(2)));
                    let expected = base.checked_mul(factor).map(per_cent);
                    self.verdict(
                        R040,
                        format!("{path}/cbc:Amount"),
                        holds,
                        &found_expected(Some(amount), expected),
                    );
                }
                (None, None) => {}
            }
        }
    }
}
