//! The totals and the VAT breakdown: BT-106 to BT-115 against the lines, and each VAT
//! subtotal against its rate and the amounts filed under it.

use std::cmp::Ordering;

use super::super::super::decimal::Decimal;
use super::super::is_vat;
use super::catalog::*;
use super::{
    Rules, category_id, charge_indicator, equal, found_expected, is_zero_when_rounded, per_cent,
};
use crate::xml::Element;

/// The categories that carry no VAT and the rules that say so, numbered alike in EN 16931.
struct ZeroTaxCategory {
    code: &'static str,
    /// -08: the taxable amount is what is filed under the category.
    taxable: Rule,
    /// -09: the tax amount is zero.
    tax: Rule,
    /// -10: an exemption reason (text or code) is required, or for "zero rated" forbidden.
    reason: Rule,
    reason_required: bool,
}

const ZERO_TAX_CATEGORIES: [ZeroTaxCategory; 4] = [
    ZeroTaxCategory {
        code: "E",
        taxable: BR_E_08,
        tax: BR_E_09,
        reason: BR_E_10,
        reason_required: true,
    },
    ZeroTaxCategory {
        code: "AE",
        taxable: BR_AE_08,
        tax: BR_AE_09,
        reason: BR_AE_10,
        reason_required: true,
    },
    ZeroTaxCategory {
        code: "Z",
        taxable: BR_Z_08,
        tax: BR_Z_09,
        reason: BR_Z_10,
        reason_required: false,
    },
    ZeroTaxCategory {
        code: "O",
        taxable: BR_O_08,
        tax: BR_O_09,
        reason: BR_O_10,
        reason_required: true,
    },
];

impl Rules<'_> {
    pub(super) fn totals(&mut self) {
        let r = self.root;
        let Some(totals) = r.child("LegalMonetaryTotal") else {
            return;
        };
        let path = self.at("cac:LegalMonetaryTotal");
        let amount = |name: &str| totals.child(name).and_then(|e| Decimal::parse(e.text()));
        for (rule, name) in [
            (BR_12, "LineExtensionAmount"),
            (BR_13, "TaxExclusiveAmount"),
            (BR_14, "TaxInclusiveAmount"),
            (BR_15, "PayableAmount"),
        ] {
            if totals.child(name).is_none() {
                self.fail(rule, format!("{path}/cbc:{name}"));
            }
        }

        // BR-CO-10: BT-106 = round(Σ BT-131).
        let line_sum = Decimal::sum(
            self.line_elements()
                .filter_map(|l| l.child("LineExtensionAmount"))
                .filter_map(|e| Decimal::parse(e.text())),
        )
        .and_then(|s| s.round_half_towards_positive_infinity(2));
        let line_total = amount("LineExtensionAmount");
        let holds = equal(line_total, line_sum);
        self.verdict(
            BR_CO_10,
            format!("{path}/cbc:LineExtensionAmount"),
            holds,
            &found_expected(line_total, line_sum),
        );

        // BR-CO-11 / BR-CO-12: BT-107 / BT-108 = round(Σ document level amounts).
        for (rule, total_name, is_charge) in [
            (BR_CO_11, "AllowanceTotalAmount", false),
            (BR_CO_12, "ChargeTotalAmount", true),
        ] {
            let items: Vec<&Element> = r
                .children_named("AllowanceCharge")
                .filter(|ac| charge_indicator(ac) == Some(is_charge))
                .collect();
            let sum = Decimal::sum(
                items
                    .iter()
                    .filter_map(|ac| ac.child("Amount"))
                    .filter_map(|e| Decimal::parse(e.text())),
            )
            .and_then(|s| s.round_half_towards_positive_infinity(2));
            let total = amount(total_name);
            let holds = if totals.child(total_name).is_none() && items.is_empty() {
                Some(true)
            } else {
                equal(total, sum)
            };
            self.verdict(
                rule,
                format!("{path}/cbc:{total_name}"),
                holds,
                &found_expected(total, sum),
            );
        }

        // BR-CO-13: BT-109 = round(BT-106 − BT-107 + BT-108), each term only when present.
        let allowances = totals
            .child("AllowanceTotalAmount")
            .map(|_| amount("AllowanceTotalAmount"));
        let charges = totals
            .child("ChargeTotalAmount")
            .map(|_| amount("ChargeTotalAmount"));
        let tax_exclusive = amount("TaxExclusiveAmount");
        let expected = (|| {
            let mut value = line_total?;
            if let Some(charge) = charges {
                value = value.checked_add(charge?)?;
            }
            if let Some(allowance) = allowances {
                value = value.checked_sub(allowance?)?;
            }
            if charges.is_some() || allowances.is_some() {
                value = value.round_half_towards_positive_infinity(2)?;
            }
            Some(value)
        })();
        self.verdict(
            BR_CO_13,
            format!("{path}/cbc:TaxExclusiveAmount"),
            equal(tax_exclusive, expected),
            &found_expected(tax_exclusive, expected),
        );

        // BR-CO-15: BT-112 = round(BT-109 + BT-110), BT-110 being the one TaxTotal/TaxAmount
        // in the document currency.
        if let Some(currency) = r.child("DocumentCurrencyCode") {
            let currency = currency.text();
            let tax_amounts: Vec<&Element> = r
                .children_named("TaxTotal")
                .filter_map(|t| t.child("TaxAmount"))
                .filter(|a| a.attr("currencyID").map(str::trim) == Some(currency))
                .collect();
            let tax_inclusive = amount("TaxInclusiveAmount");
            let expected = match tax_amounts.as_slice() {
                [only] => Decimal::parse(only.text())
                    .zip(tax_exclusive)
                    .and_then(|(tax, base)| base.checked_add(tax))
                    .and_then(|s| s.round_half_towards_positive_infinity(2)),
                _ => None,
            };
            let holds = if tax_amounts.len() == 1 {
                equal(tax_inclusive, expected)
            } else {
                Some(false)
            };
            self.verdict(
                BR_CO_15,
                format!("{path}/cbc:TaxInclusiveAmount"),
                holds,
                &found_expected(tax_inclusive, expected),
            );
        }

        // BR-CO-16: BT-115 = BT-112 − BT-113 + BT-114, in the four shapes of the expression.
        let payable = amount("PayableAmount");
        let inclusive = amount("TaxInclusiveAmount");
        let prepaid = totals
            .child("PrepaidAmount")
            .map(|_| amount("PrepaidAmount"));
        let rounding = totals
            .child("PayableRoundingAmount")
            .map(|_| amount("PayableRoundingAmount"));
        let round2 = |v: Option<Decimal>| v.and_then(|v| v.round_half_towards_positive_infinity(2));
        let due = match prepaid {
            Some(prepaid) => round2(inclusive.zip(prepaid).and_then(|(i, p)| i.checked_sub(p))),
            None => inclusive,
        };
        let paid = match rounding {
            Some(rounding) => round2(payable.zip(rounding).and_then(|(p, r)| p.checked_sub(r))),
            None => payable,
        };
        let expected_payable = match rounding {
            Some(rounding) => due.zip(rounding).and_then(|(d, r)| d.checked_add(r)),
            None => due,
        };
        self.verdict(
            BR_CO_16,
            format!("{path}/cbc:PayableAmount"),
            equal(paid, due),
            &found_expected(payable, expected_payable),
        );

        // BR-CO-25, invoices only: a positive amount due needs a due date or payment terms.
        if self.kind.is_invoice()
            && payable.is_some_and(Decimal::is_positive)
            && !r.descendants().any(|e| e.name == "DueDate")
            && !r
                .descendants()
                .any(|e| e.name == "PaymentTerms" && e.child("Note").is_some())
        {
            self.fail(BR_CO_25, format!("{path}/cbc:PayableAmount"));
        }
    }

    pub(super) fn tax_breakdown(&mut self) {
        let r = self.root;
        let tax_totals: Vec<&Element> = r.children_named("TaxTotal").collect();
        let several = tax_totals.len() > 1;
        for (t, total) in tax_totals.into_iter().enumerate() {
            let total_path = if several {
                self.at(&format!("cac:TaxTotal[{}]", t + 1))
            } else {
                self.at("cac:TaxTotal")
            };
            let subtotals: Vec<&Element> = total.children_named("TaxSubtotal").collect();
            if subtotals.is_empty() {
                continue;
            }
            // BR-CO-14: BT-110 = round(Σ BT-117).
            let declared = total
                .child("TaxAmount")
                .and_then(|e| Decimal::parse(e.text()));
            let sum = Decimal::sum(
                subtotals
                    .iter()
                    .filter_map(|s| s.child("TaxAmount"))
                    .filter_map(|e| Decimal::parse(e.text())),
            )
            .and_then(|s| s.round_half_towards_positive_infinity(2));
            self.verdict(
                BR_CO_14,
                format!("{total_path}/cbc:TaxAmount"),
                equal(declared, sum),
                &found_expected(declared, sum),
            );
            let many = subtotals.len() > 1;
            for (s, subtotal) in subtotals.into_iter().enumerate() {
                let path = if many {
                    format!("{total_path}/cac:TaxSubtotal[{}]", s + 1)
                } else {
                    format!("{total_path}/cac:TaxSubtotal")
                };
                self.subtotal(subtotal, &path);
            }
        }
    }

    pub(super) fn subtotal(&mut self, subtotal: &Element, path: &str) {
        let tax = subtotal
            .child("TaxAmount")
            .and_then(|e| Decimal::parse(e.text()));
        let taxable = subtotal
            .child("TaxableAmount")
            .and_then(|e| Decimal::parse(e.text()));
        let category = subtotal.children_named("TaxCategory").find(|c| is_vat(c));
        let percent = category
            .and_then(|c| c.child("Percent"))
            .and_then(|p| Decimal::parse(p.text()));

        // BR-CO-17: a zero rate needs a zero tax amount (both rounded to integers); any other
        // rate needs |BT-117| within ±1 (exclusive) of round(|BT-116| × BT-119 / 100, 2).
        let expected = taxable
            .zip(percent)
            .and_then(|(base, rate)| base.abs().checked_mul(rate))
            .map(per_cent)
            .and_then(|v| v.round_half_towards_positive_infinity(2));
        let holds = match percent {
            None => tax.map_or(Some(false), is_zero_when_rounded),
            Some(rate) => match rate
                .round_half_towards_positive_infinity(0)
                .map(|r| r == Decimal::ZERO)
            {
                None => None,
                Some(true) => tax.map_or(Some(false), is_zero_when_rounded),
                Some(false) => match (tax, expected) {
                    (Some(tax), Some(expected)) => {
                        tax.abs().strictly_within(expected, Decimal::int(1))
                    }
                    _ => Some(false),
                },
            },
        };
        self.verdict(
            BR_CO_17,
            format!("{path}/cbc:TaxAmount"),
            holds,
            &found_expected(tax, expected),
        );

        let Some(category) = category else { return };
        let code = category_id(category);
        if code == "S" {
            self.standard_rated_base(category, taxable, path);
        } else if let Some(rules) = ZERO_TAX_CATEGORIES.iter().find(|c| c.code == code) {
            self.zero_tax_category(rules, category, taxable, tax, path);
        }
    }

    /// The -08, -09 and -10 rules of a category that carries no VAT: its taxable amount is
    /// exactly what is filed under it (no rounding, no tolerance, unlike BR-S-08), its tax is
    /// zero, and it explains itself with an exemption reason (which "zero rated" must not).
    fn zero_tax_category(
        &mut self,
        rules: &ZeroTaxCategory,
        category: &Element,
        taxable: Option<Decimal>,
        tax: Option<Decimal>,
        path: &str,
    ) {
        let expected = self.filed_under(rules.code);
        // `exists(//cac:InvoiceLine) and ...`: without a line the rule fails outright.
        let holds = if self.line_elements().next().is_none() {
            Some(false)
        } else {
            match (taxable, expected) {
                (None, _) => Some(false),
                (Some(t), Some(e)) => t.checked_cmp(e).map(|o| o == Ordering::Equal),
                (Some(_), None) => None,
            }
        };
        self.verdict(
            rules.taxable,
            format!("{path}/cbc:TaxableAmount"),
            holds,
            &found_expected(taxable, expected),
        );

        if tax.is_none_or(|t| t != Decimal::ZERO) {
            self.fail_with(
                rules.tax,
                format!("{path}/cbc:TaxAmount"),
                &found_expected(tax, Some(Decimal::ZERO)),
            );
        }

        let has_reason = category.child("TaxExemptionReason").is_some()
            || category.child("TaxExemptionReasonCode").is_some();
        if has_reason != rules.reason_required {
            self.fail(rules.reason, format!("{path}/cac:TaxCategory"));
        }
    }

    /// Σ line net amounts + Σ document charges − Σ document allowances whose category code
    /// is `code`, as the -08 rules sum them: a line counts when any of its item's categories
    /// has the code, whatever the tax scheme; `None` on overflow.
    fn filed_under(&self, code: &str) -> Option<Decimal> {
        let has_code = |c: &Element| category_id(c) == code;
        let lines = Decimal::sum(
            self.line_elements()
                .filter(|l| {
                    l.child("Item").is_some_and(|item| {
                        item.children_named("ClassifiedTaxCategory").any(has_code)
                    })
                })
                .filter_map(|l| l.child("LineExtensionAmount"))
                .filter_map(|a| Decimal::parse(a.text())),
        );
        let document_level = |is_charge: bool| {
            Decimal::sum(
                self.root
                    .children_named("AllowanceCharge")
                    .filter(|ac| charge_indicator(ac) == Some(is_charge))
                    .filter(|ac| ac.children_named("TaxCategory").any(has_code))
                    .filter_map(|ac| ac.child("Amount"))
                    .filter_map(|a| Decimal::parse(a.text())),
            )
        };
        lines?
            .checked_add(document_level(true)?)?
            .checked_sub(document_level(false)?)
    }

    /// BR-O-11: a "not subject to VAT" breakdown stands alone. Reported once, at the first
    /// VAT breakdown of another category (one without a code counts as another).
    pub(super) fn not_subject_to_vat_alone(&mut self) {
        let mut categories = Vec::new();
        let tax_totals: Vec<&Element> = self.root.children_named("TaxTotal").collect();
        for (t, total) in tax_totals.iter().enumerate() {
            let subtotals: Vec<&Element> = total.children_named("TaxSubtotal").collect();
            for (s, subtotal) in subtotals.iter().enumerate() {
                let vat = subtotal.children_named("TaxCategory").filter(|c| is_vat(c));
                for category in vat {
                    let total_step = if tax_totals.len() > 1 {
                        format!("cac:TaxTotal[{}]", t + 1)
                    } else {
                        "cac:TaxTotal".to_owned()
                    };
                    let subtotal_step = if subtotals.len() > 1 {
                        format!("cac:TaxSubtotal[{}]", s + 1)
                    } else {
                        "cac:TaxSubtotal".to_owned()
                    };
                    categories.push((category_id(category), total_step, subtotal_step));
                }
            }
        }
        if !categories.iter().any(|(code, _, _)| code == "O") {
            return;
        }
        if let Some((_, total, subtotal)) = categories.iter().find(|(code, _, _)| code != "O") {
            let location = self.at(&format!("{total}/{subtotal}/cac:TaxCategory"));
            self.fail(BR_O_11, location);
        }
    }

    /// BR-S-08: the taxable amount of a standard-rated breakdown is, within ±1 (exclusive),
    /// the lines at that rate plus document charges minus document allowances at that rate;
    /// and something at that rate must exist.
    pub(super) fn standard_rated_base(
        &mut self,
        category: &Element,
        taxable: Option<Decimal>,
        path: &str,
    ) {
        let Some(rate) = category
            .child("Percent")
            .and_then(|p| Decimal::parse(p.text()))
        else {
            return;
        };
        let at_rate = |c: &Element| {
            category_id(c) == "S"
                && c.child("Percent")
                    .and_then(|p| Decimal::parse(p.text()))
                    .is_some_and(|p| p == rate)
        };
        let lines: Vec<&Element> = self
            .line_elements()
            .filter(|l| {
                l.at(&["Item", "ClassifiedTaxCategory"])
                    .is_some_and(at_rate)
            })
            .collect();
        let anything_at_rate = !lines.is_empty()
            || self.root.descendants().any(|e| {
                e.name == "AllowanceCharge" && e.child("TaxCategory").is_some_and(at_rate)
            });
        let document_level = |is_charge: bool| {
            self.root
                .children_named("AllowanceCharge")
                .filter(move |ac| charge_indicator(ac) == Some(is_charge))
                .filter(|ac| ac.child("TaxCategory").is_some_and(at_rate))
                .filter_map(|ac| ac.child("Amount"))
                .filter_map(|a| Decimal::parse(a.text()))
        };
        let expected = Decimal::sum(
            lines
                .iter()
                .filter_map(|l| l.child("LineExtensionAmount"))
                .filter_map(|a| Decimal::parse(a.text())),
        )
        .zip(Decimal::sum(document_level(true)))
        .and_then(|(l, c)| l.checked_add(c))
        .zip(Decimal::sum(document_level(false)))
        .and_then(|(v, a)| v.checked_sub(a));
        let holds = if !anything_at_rate {
            Some(false)
        } else {
            match (taxable, expected) {
                (Some(t), Some(e)) => t.strictly_within(e, Decimal::int(1)),
                _ => Some(false),
            }
        };
        self.verdict(
            BR_S_08,
            format!("{path}/cbc:TaxableAmount"),
            holds,
            &format!("Rate {rate}: {}", found_expected(taxable, expected)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vat_breakdown_tolerance_is_one_unit_exclusive() {
        // BR-CO-17 as written: 100.00 at 21 % accepts 20.01..21.99, refuses 20.00 and 22.00.
        let expected = Decimal::parse("21.00").unwrap();
        let ok = |t: &str| {
            Decimal::parse(t)
                .unwrap()
                .strictly_within(expected, Decimal::int(1))
        };
        assert_eq!(ok("21.99"), Some(true));
        assert_eq!(ok("20.01"), Some(true));
        assert_eq!(ok("22.00"), Some(false));
        assert_eq!(ok("20.00"), Some(false));
    }
}
