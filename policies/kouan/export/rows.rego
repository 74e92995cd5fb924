# Export decision table
# Rows 1-16 of the decision table in docs/policy/export.md (row 0, invalid input, is in input.rego). Each row adds one
# element to matched_rows; the lowest row number decides the path. The thresholds come from data.thresholds
# and compare the exporter's totals this year (cumulative + this flow).
package kouan.export

_row(meta) := {"row": meta.custom.row, "path": meta.custom.path, "reason": _reason(meta, _effect(meta.custom.path))}

_effect("forbidden") := "deny"

_effect(p) := "info" if p != "forbidden"

# METADATA
# title: Row 1 — foreign judicial or law-enforcement body
# description: The recipient is a foreign judicial or law-enforcement body and no PRC approval is on record.
# custom:
#   code: EXPORT_JUDICIAL_RECIPIENT
#   basis: DSL art. 36; PIPL art. 41
#   row: 1
#   path: forbidden
_judicial_recipient := _row(rego.metadata.rule())

matched_rows contains _judicial_recipient if {
	input.recipient.kind == "judicial_or_law_enforcement"
	not has_ref(object.get(input, ["recipient", "prc_approval"], null))
}

# METADATA
# title: Row 2 — restricted recipient
# description: The recipient is on the restricted or prohibited list as it stands today.
# custom:
#   code: EXPORT_RESTRICTED_RECIPIENT
#   basis: PIPL art. 42
#   row: 2
#   path: forbidden
_restricted_recipient := _row(rego.metadata.rule())

matched_rows contains _restricted_recipient if restricted_listing

# The list entry of the recipient in force today: from its listing date (`from`, inclusive) up to the day it was
# lifted (`until`, exclusive). Replaying a past decision thus uses the list as it stood on that `now`.
restricted_listing := entry if {
	entry := data.restricted_recipients.recipients[input.recipient.id]
	object.get(entry, "from", "") <= today
	_not_lifted(object.get(entry, "until", null))
}

_not_lifted(null)

_not_lifted(until) if today < until

# METADATA
# title: Row 3 — core data
# description: Core data falls under stricter export rules that have not been published, so no export route exists yet; the flow is held until one is.
# custom:
#   code: EXPORT_CORE_DATA
#   basis: DSL art. 21; NDSR art. 63 (stricter rules, none published)
#   row: 3
#   path: forbidden
_core_data := _row(rego.metadata.rule())

matched_rows contains _core_data if input.data.grade == "core"

# METADATA
# title: Row 4 — human genetic resources without approval
# description: The flow carries human genetic resources information and no HGR approval or filing reference for this recipient is on record.
# custom:
#   code: EXPORT_HGR_APPROVAL_MISSING
#   basis: HGR Regs art. 28; Impl. Rules art. 36
#   row: 4
#   path: forbidden
_hgr_approval_missing := _row(rego.metadata.rule())

matched_rows contains _hgr_approval_missing if {
	input.data.hgr.present == true
	not _hgr_approval
}

_hgr_approval if {
	some a in input.approvals.hgr_approvals
	has_ref(a.ref)
	a.recipient == input.recipient.id
}

# METADATA
# title: Row 5 — export-controlled data without licence
# description: The data is export-controlled and no export licence for this recipient is on record.
# custom:
#   code: EXPORT_LICENCE_MISSING
#   basis: Export Control Law arts. 2, 12; DSL art. 25
#   row: 5
#   path: forbidden
_licence_missing := _row(rego.metadata.rule())

matched_rows contains _licence_missing if {
	input.data.export_controlled == true
	not _export_licence
}

_export_licence if {
	some l in input.approvals.export_licences
	has_ref(l.ref)
	l.recipient == input.recipient.id
}

# METADATA
# title: Row 6 — PI collected abroad and sent back
# description: Personal information collected abroad, processed in China and sent back with nothing domestic added is exempt for every exporter, free-trade-zone lists included, as such data is not domestic important data.
# custom:
#   code: EXPORT_SCENARIO_TRANSIT
#   basis: Provisions art. 4
#   row: 6
#   path: exempt
_scenario_transit := _row(rego.metadata.rule())

matched_rows contains _scenario_transit if {
	input.data.scenario == "transit"
	input.data.grade == "general"
}

# METADATA
# title: Row 7 — free trade zone, entry designating important data
# description: The exporter (not a CIIO) sits in a free trade zone and the data matches a negative-list entry that designates important data; the strictest path named by those entries applies.
# custom:
#   code: EXPORT_FTZ_LISTED
#   basis: Provisions art. 6; NDSR art. 37
#   row: 7
_ftz_listed := rego.metadata.rule()

matched_rows contains _ftz_row(_ftz_listed, ftz_important_matches) if count(ftz_important_matches) > 0

# The row of matching entries: the strictest path they name, their ids in the message.
_ftz_row(meta, entries) := {"row": meta.custom.row, "path": p, "reason": object.union(_reason(meta, _effect(p)), {"message": msg})} if {
	top := max({object.get(_path_rank, e.path, 3) | some e in entries})
	some p, rank in _path_rank
	rank == top
	msg := concat("", [meta.description, " Entries: ", _entry_ids(entries), "."])
}

# METADATA
# title: Row 8 — trade and similar data without PI
# description: Trade, transport, academic, manufacturing or marketing data with no personal information and no important data is exempt.
# custom:
#   code: EXPORT_SCENARIO_TRADE_NO_PI
#   basis: Provisions art. 3
#   row: 8
#   path: exempt
_scenario_trade_no_pi := _row(rego.metadata.rule())

matched_rows contains _scenario_trade_no_pi if {
	input.data.scenario == "trade_no_pi"
	not has_pi
	input.data.grade == "general"
}

# METADATA
# title: Row 9 — contract with the individual
# description: Personal information necessary to conclude or perform a contract with the individual, without important data, is exempt, free-trade-zone entries on personal information included, as arts. 7-8 yield to arts. 3-6.
# custom:
#   code: EXPORT_SCENARIO_CONTRACT_WITH_INDIVIDUAL
#   basis: Provisions art. 5(1)
#   row: 9
#   path: exempt
_scenario_contract_with_individual := _row(rego.metadata.rule())

matched_rows contains _scenario_contract_with_individual if {
	input.data.scenario == "contract_with_individual"
	input.data.grade == "general"
}

# METADATA
# title: Row 9 — cross-border HR management
# description: Employee personal information necessary for cross-border human-resources management, without important data, is exempt, free-trade-zone entries on personal information included, as arts. 7-8 yield to arts. 3-6.
# custom:
#   code: EXPORT_SCENARIO_HR_MANAGEMENT
#   basis: Provisions art. 5(2)
#   row: 9
#   path: exempt
_scenario_hr_management := _row(rego.metadata.rule())

matched_rows contains _scenario_hr_management if {
	input.data.scenario == "hr_management"
	input.data.grade == "general"
}

# METADATA
# title: Row 9 — emergency
# description: Personal information necessary in an emergency to protect life, health or property, without important data, is exempt, free-trade-zone entries on personal information included, as arts. 7-8 yield to arts. 3-6.
# custom:
#   code: EXPORT_SCENARIO_EMERGENCY
#   basis: Provisions art. 5(3)
#   row: 9
#   path: exempt
_scenario_emergency := _row(rego.metadata.rule())

matched_rows contains _scenario_emergency if {
	input.data.scenario == "emergency"
	input.data.grade == "general"
}

# METADATA
# title: Row 10 — free trade zone, other negative-list entry
# description: The exporter (not a CIIO) sits in a free trade zone and the data matches a negative-list entry on personal information (no exemption scenario applied); the strictest path named by the matching entries applies.
# custom:
#   code: EXPORT_FTZ_LISTED_PI
#   basis: Provisions art. 6
#   row: 10
_ftz_listed_pi := rego.metadata.rule()

matched_rows contains _ftz_row(_ftz_listed_pi, ftz_matches) if {
	count(ftz_matches) > 0
	count(ftz_important_matches) == 0
}

# METADATA
# title: Row 10 — free trade zone, data on no negative-list entry
# description: The exporter (not a CIIO) sits in a free trade zone with a negative list and the data matches none of its entries.
# custom:
#   code: EXPORT_FTZ_UNLISTED
#   basis: Provisions art. 6
#   row: 10
#   path: exempt
_ftz_unlisted := _row(rego.metadata.rule())

matched_rows contains _ftz_unlisted if {
	_ftz_list_applies
	count(ftz_matches) == 0
}

# METADATA
# title: Row 11 — important data, CIIO exporter
# description: Important data provided by a critical information infrastructure operator needs a security assessment.
# custom:
#   code: EXPORT_IMPORTANT_DATA
#   basis: Provisions art. 7(1); NDSR art. 37
#   row: 11
#   path: security_assessment
_important_data_ciio := _row(rego.metadata.rule())

matched_rows contains _important_data_ciio if {
	input.data.grade == "important"
	ciio
}

# METADATA
# title: Row 11 — important data
# description: Important data needs a security assessment.
# custom:
#   code: EXPORT_IMPORTANT_DATA
#   basis: Provisions art. 7(2); NDSR art. 37
#   row: 11
#   path: security_assessment
_important_data := _row(rego.metadata.rule())

matched_rows contains _important_data if {
	input.data.grade == "important"
	not ciio
}

# METADATA
# title: Row 12 — CIIO providing PI
# description: A critical information infrastructure operator providing any personal information needs a security assessment.
# custom:
#   code: EXPORT_CIIO_PI
#   basis: Provisions art. 7(1)
#   row: 12
#   path: security_assessment
_ciio_pi := _row(rego.metadata.rule())

matched_rows contains _ciio_pi if {
	ciio
	has_pi
}

# METADATA
# title: Row 13 — PI volume in the security-assessment band
# description: This year the exporter provides personal information of 1,000,000 persons or more, or sensitive personal information of 10,000 persons or more (this flow included).
# custom:
#   code: EXPORT_PI_VOLUME_ASSESSMENT
#   basis: Provisions art. 7(2)
#   row: 13
#   path: security_assessment
_pi_volume_assessment := _row(rego.metadata.rule())

matched_rows contains _pi_volume_assessment if {
	not ciio
	has_pi
	_volume_band == "security_assessment"
}

# METADATA
# title: Row 14 — PI volume in the standard-contract band
# description: This year the exporter provides personal information of 100,000 to 999,999 persons, or sensitive personal information of 1 to 9,999 persons (this flow included).
# custom:
#   code: EXPORT_PI_VOLUME_CONTRACT
#   basis: Provisions art. 8
#   row: 14
#   path: standard_contract_or_certification
_pi_volume_contract := _row(rego.metadata.rule())

matched_rows contains _pi_volume_contract if {
	not ciio
	has_pi
	_volume_band == "standard_contract_or_certification"
}

# METADATA
# title: Row 15 — PI volume below the thresholds
# description: This year the exporter provides personal information of fewer than 100,000 persons and no sensitive personal information (this flow included), and no important data.
# custom:
#   code: EXPORT_PI_VOLUME_EXEMPT
#   basis: Provisions art. 5(4)
#   row: 15
#   path: exempt
_pi_volume_exempt := _row(rego.metadata.rule())

matched_rows contains _pi_volume_exempt if {
	not ciio
	has_pi
	_volume_band == "exempt"
	input.data.grade == "general"
}

_volume_band := "security_assessment" if {
	total_subjects >= _th.pi_subjects_security_assessment
} else := "security_assessment" if {
	total_sensitive >= _th.sensitive_subjects_security_assessment
} else := "standard_contract_or_certification" if {
	total_subjects >= _th.pi_subjects_standard_contract
} else := "standard_contract_or_certification" if {
	total_sensitive >= 1
} else := "exempt"

# METADATA
# title: Row 16 — no PI, no important or core data
# description: The flow carries no personal information and no important or core data; no export procedure applies.
# custom:
#   code: EXPORT_NO_PI
#   basis: Provisions arts. 7-8 (no procedure is triggered)
#   row: 16
#   path: exempt
_no_pi := _row(rego.metadata.rule())

matched_rows contains _no_pi if {
	not has_pi
	input.data.grade == "general"
}
