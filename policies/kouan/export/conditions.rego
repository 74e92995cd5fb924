# Export allow conditions
# When the path decided by the table is open now (shared/domain/cn-export-rules.md, "When the path is open").
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

# Valid through issued + 3 years; an earlier `expires` shortens it, a later one does not extend it.
assessment_expiry(a) := min({limit} | {e | e := object.get(a, "expires", null); e != null}) if {
	limit := dates.add_years(a.issued, _th.assessment_validity_years)
}

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

_assessment_refused if {
	path == "security_assessment"
	count(_valid_assessments) == 0
}

# METADATA
# title: No security assessment
# description: No security assessment for this recipient is on record.
# custom:
#   code: EXPORT_ASSESSMENT_MISSING
#   basis: Provisions art. 7; Security Assessment Measures art. 4
deny contains _reason(rego.metadata.rule(), "deny") if {
	_assessment_refused
	count(_assessments) == 0
}

# METADATA
# title: Security assessment expired
# description: The security assessment on record for this recipient was issued more than 3 years ago or has expired.
# custom:
#   code: EXPORT_ASSESSMENT_EXPIRED
#   basis: Provisions art. 9
deny contains _reason(rego.metadata.rule(), "deny") if {
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
deny contains _reason(rego.metadata.rule(), "deny") if {
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
warn contains object.union(_note(meta), {"message": msg}) if {
	path == "security_assessment"
	expiry := max({assessment_expiry(a) | some a in _valid_assessments})
	window := _th.assessment_expiry_warning_working_days
	workdays.working_days_after(today, min([expiry, dates.add_days(today, 200)])) <= window
	meta := rego.metadata.rule()
	msg := concat("", [meta.description, " Last valid day: ", expiry, "."])
}

# --- standard contract or certification ---------------------------------------------------------

_contracts contains c if {
	some c in input.approvals.standard_contracts
	has_ref(c.ref)
	c.recipient == input.recipient.id
}

_in_effect(c) if c.effective <= today

_filed_or_in_grace(c) if has_ref(object.get(c, "filing_ref", null))

_filed_or_in_grace(c) if {
	not has_ref(object.get(c, "filing_ref", null))
	workdays.working_days_after(c.effective, min([today, dates.add_days(c.effective, 200)])) <= _th.contract_filing_working_days
}

_certifications contains c if {
	some c in input.approvals.certifications
	has_ref(c.ref)
	input.recipient.id in c.recipients
	c.issued <= today
}

_certification_current(c) if {
	today <= dates.add_years(c.issued, _th.certification_validity_years)
}

_contract_route_open if {
	some c in _contracts
	_in_effect(c)
	_filed_or_in_grace(c)
}

_certification_route_open if {
	some c in _certifications
	_certification_current(c)
}

_contract_refused if {
	path == "standard_contract_or_certification"
	not _contract_route_open
	not _certification_route_open
}

# METADATA
# title: No standard contract or certification
# description: Neither a standard contract with this recipient nor a PI certification covering it is on record.
# custom:
#   code: EXPORT_CONTRACT_OR_CERTIFICATION_MISSING
#   basis: Provisions art. 8; PIPL art. 38
deny contains _reason(rego.metadata.rule(), "deny") if {
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
deny contains _reason(rego.metadata.rule(), "deny") if {
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
deny contains _reason(rego.metadata.rule(), "deny") if {
	_contract_refused
	some c in _contracts
	_in_effect(c)
	not _filed_or_in_grace(c)
}

# METADATA
# title: Certification expired
# description: The PI certification covering this recipient is more than 3 years old.
# custom:
#   code: EXPORT_CERTIFICATION_EXPIRED
#   basis: Provisions art. 8; PI Export Certification Measures
deny contains _reason(rego.metadata.rule(), "deny") if {
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
obligation contains object.union(_note(meta), {"type": "file_standard_contract", "due": due, "ref": c.ref}) if {
	allow
	path == "standard_contract_or_certification"
	some c in _contracts
	_in_effect(c)
	not has_ref(object.get(c, "filing_ref", null))
	_filed_or_in_grace(c)
	due := workdays.nth_working_day_after(c.effective, _th.contract_filing_working_days)
	meta := rego.metadata.rule()
}

# --- every path -----------------------------------------------------------------------------------

# METADATA
# title: No PI impact assessment
# description: The flow carries personal information and no PI protection impact assessment for this recipient is on record.
# custom:
#   code: EXPORT_PIPIA_MISSING
#   basis: PIPL art. 55(4), art. 56; Provisions art. 10
deny contains _reason(rego.metadata.rule(), "deny") if {
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
deny contains _reason(rego.metadata.rule(), "deny") if {
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
