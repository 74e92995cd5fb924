# Free-trade-zone negative lists (rows 7 and 10; Provisions art. 6), from data.ftz_negative_lists.
# The lists apply to an exporter that is not a CIIO and whose zone has a list loaded. An entry matches
# when its zone is the exporter's, its domain is the flow's, it shares at least one category with the
# flow, and the exporter's PI subjects this year reach its threshold_subjects if it has one: by default all
# PI subjects this year (cumulative + this flow); with export_readings.ftz_threshold_counts "entry_categories",
# this flow's subjects plus those provided this year in the entry's categories (cumulative.category_subjects).
# fields and scenario describe an entry; they are not matched.
# An entry designates important data (row 7, which only transit data escapes) or personal information (row 10,
# which the exemption scenarios of Provisions arts. 3 and 5(1)-(3) prevail over), as its `designates` says; an
# entry that does not say is read as export_readings.ftz_entry_designates says (default important_data).
package kouan.export

_ftz_list_applies if {
	not ciio
	data.ftz_negative_lists.zones[input.exporter.ftz]
}

# Entries of the exporter's zone for the flow's domain that share a category with it and whose subject
# threshold, if any, the exporter's total this year reaches.
ftz_matches contains e if {
	_ftz_list_applies
	some e in data.ftz_negative_lists.entries
	e.zone == input.exporter.ftz
	e.domain == input.data.domain
	some c in input.data.categories
	c in e.categories
	_reaches_threshold(e)
}

# The matching entries that designate important data.
ftz_important_matches contains e if {
	some e in ftz_matches
	object.get(e, "designates", _ftz_entry_designates_reading) != "personal_information"
}

default _ftz_entry_designates_reading := "important_data"

_ftz_entry_designates_reading := data.export_readings.ftz_entry_designates

_reaches_threshold(e) if object.get(e, "threshold_subjects", null) == null

_reaches_threshold(e) if ftz_threshold_count(e) >= e.threshold_subjects

# The subjects an entry's threshold counts. Under "entry_categories" the persons of the entry's categories are
# summed over them (a person in two categories counts twice: the bound errs on the strict side), and an input
# without cumulative.category_subjects falls back to all PI subjects of the year.
ftz_threshold_count(e) := n if {
	_ftz_threshold_reading == "entry_categories"
	by_category := input.cumulative.category_subjects
	n := input.data.pi.subjects + sum([object.get(by_category, c, 0) | some c in e.categories])
} else := total_subjects

default _ftz_threshold_reading := "all_pi_of_year"

_ftz_threshold_reading := data.export_readings.ftz_threshold_counts

# An entry naming an unknown path ranks as forbidden (fail closed).
_path_rank := {"exempt": 0, "standard_contract_or_certification": 1, "security_assessment": 2, "forbidden": 3}
