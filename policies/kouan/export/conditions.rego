# Export allow conditions
# When the path decided by the table is open now (docs/policy/export.md, "Allow conditions of the chosen path").
# Each refusal is a deny reason; dates are Beijing calendar days and "now" is input.now.
# An approval whose ref is blank or null is a placeholder, not on record. Dates are "YYYY-MM-DD" strings and compare
# as strings; an invalid one is refused by row 0 (input.rego), which decides the path before any condition applies.
package kouan.export

import data.kouan.lib.dates
import data.kouan.lib.workdays

# --- security assessment -------------------------------------------------------------------------

# Assessments on record for this recipient: issued on or before today.
_assessments contains a if {
	some a in input.approvals.security_assessments
	has_ref(a.ref)
	input.recipient.id in a.recipients
	a.issued <= today
}

# The last valid day of an assessment. Its statutory period runs 3 years from the day it was issued (Provisions
# art. 9), 2 years if it was issued before the Provisions took effect (former Security Assessment Measures art. 14)
# unless export_readings.pre_2024_assessments is "three_years"; the period ends the day before the anniversary unless
# export_readings.validity_last_day is "anniversary". An earlier `expires` shortens it, a later one does not extend it.
# An extension on record (extension_ref and extended_until, Provisions art. 9) replaces it, by 3 years at most.
assessment_expiry(a) := min({a.extended_until, dates.add_years(original, _th.assessment_validity_years)}) if {
	original := _original_expiry(a)
	has_ref(object.get(a, "extension_ref", null))
	object.get(a, "extended_until", "") > original
} else := _original_expiry(a)

_original_expiry(a) := min({_last_valid_day(a.issued, _assessment_years(a))} | {e | e := object.get(a, "expires", null); e != null})

_assessment_years(a) := _th.former_assessment_validity_years if {
	a.issued < _th.assessment_three_year_rule_from
	_pre_2024_reading != "three_years"
} else := _th.assessment_validity_years

default _pre_2024_reading := "two_years"

_pre_2024_reading := data.export_readings.pre_2024_assessments

# The last day of a validity of k years from `issued`: the day before the anniversary by default (the issue day
# counts as the first day), the anniversary itself under the reading "anniversary".
_last_valid_day(issued, k) := dates.add_years(issued, k) if {
	_last_day_reading == "anniversary"
} else := dates.add_days(dates.add_years(issued, k), -1)

default _last_day_reading := "day_before_anniversary"

_last_day_reading := data.export_readings.validity_last_day

_assessment_current(a) if today <= assessment_expiry(a)

_assessment_covers(a) if {
	_country_covered(a.countries)
	input.data.purpose in a.purposes
	every c in input.data.categories {
		c in a.categories
	}
}

_country_covered(countries) if input.recipient.country in countries

_country_covered(countries) if {
	some group in countries
	input.recipient.country in data.country_groups.groups[group].members
}

_valid_assessments contains a if {
	some a in _assessments
	_assessment_current(a)
	_assessment_covers(a)
}

_assessment_route_open if count(_valid_assessments) > 0

_assessment_route_open if count(_combined_assessments) > 0

# With export_readings.assessments_may_combine true, and no single assessment covering the flow: current assessments
# that each cover the country and the purpose and together cover every category. The flow relies on each of them
# that covers one of its categories. (Default false: one assessment must cover the whole flow, NDSR art. 38.)
_combined_assessments contains a if {
	data.export_readings.assessments_may_combine == true
	count(_valid_assessments) == 0
	every c in input.data.categories {
		some b in _partial_assessments
		c in b.categories
	}
	some a in _partial_assessments
	some c in input.data.categories
	c in a.categories
}

_partial_assessments contains a if {
	some a in _assessments
	_assessment_current(a)
	_country_covered(a.countries)
	input.data.purpose in a.purposes
}

# The last day the flow stays covered: the latest of the single assessments covering it, else the earliest of the
# combined ones.
_route_expiry := max({assessment_expiry(a) | some a in _valid_assessments}) if {
	count(_valid_assessments) > 0
} else := min({assessment_expiry(a) | some a in _combined_assessments})

_relied_assessments := _valid_assessments | _combined_assessments

_assessment_refused if {
	path == "security_assessment"
	not _assessment_route_open
}

# The assessment is what opens the flow: on the security-assessment path, and on the standard-contract path when
# neither a contract nor a certification does (PIPL art. 38(1); NDSR art. 35(1)).
_relies_on_assessment if path == "security_assessment"

_relies_on_assessment if {
	path == "standard_contract_or_certification"
	_assessment_route_open
	not _contract_route_open
	not _certification_route_open
}

# METADATA
# title: No security assessment
# description: No security assessment for this recipient is on record.
# custom:
#   code: EXPORT_ASSESSMENT_MISSING
#   basis: Provisions art. 7; Security Assessment Measures art. 4
_assessment_missing := _reason(rego.metadata.rule(), "deny")

deny contains _assessment_missing if {
	_assessment_refused
	count(_assessments) == 0
}

# METADATA
# title: Security assessment expired
# description: The security assessment on record for this recipient has expired (3 years from its issue, 2 for one issued before 22 March 2024, or its stated expiry, unless extended).
# custom:
#   code: EXPORT_ASSESSMENT_EXPIRED
#   basis: Provisions art. 9
_assessment_expired := _reason(rego.metadata.rule(), "deny")

deny contains _assessment_expired if {
	_assessment_refused
	some a in _assessments
	not _assessment_current(a)
}

# METADATA
# title: Beyond the approved scope
# description: The flow's destination country, purpose or data categories go beyond the security assessment approved for this recipient.
# custom:
#   code: EXPORT_ASSESSMENT_SCOPE_EXCEEDED
#   basis: NDSR art. 38
_assessment_scope_exceeded := _reason(rego.metadata.rule(), "deny")

deny contains _assessment_scope_exceeded if {
	_assessment_refused
	some a in _assessments
	_assessment_current(a)
	not _assessment_covers(a)
}

# METADATA
# title: Security assessment expiring
# description: The security assessment expires within 60 working days; apply for its extension now.
# custom:
#   code: EXPORT_ASSESSMENT_EXPIRING
#   basis: Provisions art. 9
_assessment_expiring := rego.metadata.rule()

warn contains object.union(_note(_assessment_expiring), {"message": msg}) if {
	_relies_on_assessment
	expiry := _route_expiry
	window := _th.assessment_expiry_warning_working_days
	workdays.working_days_at_most(today, min([expiry, dates.add_days(today, 200)]), window)
	msg := concat("", [_assessment_expiring.description, " Last valid day: ", expiry, "."])
}

# METADATA
# title: Renew the security assessment
# description: The security assessment this flow relies on is valid through the due date; its extension must be applied for before then.
# custom:
#   code: EXPORT_RENEW_SECURITY_ASSESSMENT
#   basis: Provisions art. 9
_renew_assessment := rego.metadata.rule()

# The registry reads the due date from the filing record and alerts as the day comes near.
obligation contains object.union(_note(_renew_assessment), {"type": "renew_security_assessment", "due": assessment_expiry(a), "ref": a.ref}) if {
	allow
	_relies_on_assessment
	some a in _relied_assessments
}

# --- standard contract or certification ---------------------------------------------------------

_contracts contains c if {
	some c in input.approvals.standard_contracts
	has_ref(c.ref)
	c.recipient == input.recipient.id
}

_in_effect(c) if c.effective <= today

_filed_or_in_grace(c) if has_ref(object.get(c, "filing_ref", null))

# Not filed: still in its grace period while fewer than k + 1 working days have passed since it took effect (the
# days counted up to today, and over 200 days at most).
_filed_or_in_grace(c) if {
	not has_ref(object.get(c, "filing_ref", null))
	_in_grace(c, _th.contract_filing_working_days)
}

_in_grace(c, k) if {
	overdue_from := workdays.nth(_filing_calendar[c], k + 1)
	overdue_from > min([dates.day_number(today) - dates.day_number(c.effective), 200])
} else if {
	not workdays.nth(_filing_calendar[c], k + 1)
	workdays.working_days_at_most(c.effective, min([today, dates.add_days(c.effective, 200)]), k)
}

# The working days after each unfiled contract in effect took effect, written out once per contract: in them the
# k-th is the filing deadline and the (k + 1)-th the first day overdue (kouan.lib.workdays).
_filing_calendar[c] := workdays.calendar(c.effective, (3 * (_th.contract_filing_working_days + 1)) + 30) if {
	some c in _contracts
	_in_effect(c)
	not has_ref(object.get(c, "filing_ref", null))
}

_certifications contains c if {
	some c in input.approvals.certifications
	has_ref(c.ref)
	input.recipient.id in c.recipients
	c.issued <= today
}

_certification_current(c) if {
	today <= _last_valid_day(c.issued, _th.certification_validity_years)
}

# In effect, and filed or still within the filing grace period (worked out once per contract).
_usable_contracts contains c if {
	some c in _contracts
	_in_effect(c)
	_filed_or_in_grace(c)
}

_contract_route_open if count(_usable_contracts) > 0

_certification_route_open if {
	some c in _certifications
	_certification_current(c)
}

# A current security assessment covering the flow (recipient, country, purpose, categories) suffices on its own
# (PIPL art. 38(1); NDSR art. 35(1)).
_contract_refused if {
	path == "standard_contract_or_certification"
	not _contract_route_open
	not _certification_route_open
	not _assessment_route_open
}

# METADATA
# title: No standard contract or certification
# description: Neither a standard contract with this recipient, a PI certification covering it, nor a current security assessment covering this flow is on record.
# custom:
#   code: EXPORT_CONTRACT_OR_CERTIFICATION_MISSING
#   basis: Provisions art. 8; PIPL art. 38(1)-(3); NDSR art. 35(1)
_contract_or_certification_missing := _reason(rego.metadata.rule(), "deny")

deny contains _contract_or_certification_missing if {
	_contract_refused
	count(_contracts) == 0
	count(_certifications) == 0
}

# METADATA
# title: Standard contract not yet in effect
# description: The standard contract with this recipient has not taken effect; nothing may be transferred before it does.
# custom:
#   code: EXPORT_CONTRACT_NOT_IN_EFFECT
#   basis: SCC Measures art. 6
_contract_not_in_effect := _reason(rego.metadata.rule(), "deny")

deny contains _contract_not_in_effect if {
	_contract_refused
	some c in _contracts
	not _in_effect(c)
}

# METADATA
# title: Standard contract filing overdue
# description: More than 10 working days have passed since the standard contract took effect and no filing reference is on record.
# custom:
#   code: EXPORT_CONTRACT_FILING_OVERDUE
#   basis: SCC Measures art. 7
_contract_filing_overdue := _reason(rego.metadata.rule(), "deny")

deny contains _contract_filing_overdue if {
	_contract_refused
	some c in _contracts
	_in_effect(c)
	not _usable_contracts[c]
}

# METADATA
# title: Certification expired
# description: The PI certification covering this recipient is more than 3 years old.
# custom:
#   code: EXPORT_CERTIFICATION_EXPIRED
#   basis: Provisions art. 8; PI Export Certification Measures
_certification_expired := _reason(rego.metadata.rule(), "deny")

deny contains _certification_expired if {
	_contract_refused
	some c in _certifications
	not _certification_current(c)
}

# METADATA
# title: File the standard contract
# description: File the standard contract with the provincial cyberspace administration by the due date (10 working days after it took effect).
# custom:
#   code: EXPORT_FILE_STANDARD_CONTRACT
#   basis: SCC Measures art. 7
_file_standard_contract := rego.metadata.rule()

obligation contains object.union(_note(_file_standard_contract), {"type": "file_standard_contract", "due": due, "ref": c.ref}) if {
	allow
	path == "standard_contract_or_certification"
	some c in _usable_contracts
	not has_ref(object.get(c, "filing_ref", null))
	k := _th.contract_filing_working_days
	days := workdays.nth(_filing_calendar[c], k)
	days <= (3 * k) + 30
	due := dates.add_days(c.effective, days)
}

# --- every path -----------------------------------------------------------------------------------

# METADATA
# title: No PI impact assessment
# description: The flow carries personal information and no PI protection impact assessment for this recipient is on record.
# custom:
#   code: EXPORT_PIPIA_MISSING
#   basis: PIPL art. 55(4), art. 56; Provisions art. 10
_pipia_missing := _reason(rego.metadata.rule(), "deny")

deny contains _pipia_missing if {
	_path_open
	has_pi
	not _pipia_on_record
}

_pipia_on_record if {
	some p in input.approvals.pipias
	has_ref(p.ref)
	p.recipient == input.recipient.id
	p.date <= today
}

# METADATA
# title: No HGR security review
# description: Exome or genome sequencing data of more than 500 persons needs a security review reference on the HGR approval for this recipient.
# custom:
#   code: EXPORT_HGR_SECURITY_REVIEW_MISSING
#   basis: HGR Impl. Rules art. 37
_hgr_security_review_missing := _reason(rego.metadata.rule(), "deny")

deny contains _hgr_security_review_missing if {
	_path_open
	input.data.hgr.present == true
	total_sequencing > _th.hgr_sequencing_review_subjects
	not _hgr_security_review
}

_hgr_security_review if {
	some a in input.approvals.hgr_approvals
	has_ref(a.ref)
	a.recipient == input.recipient.id
	has_ref(a.security_review_ref)
}
