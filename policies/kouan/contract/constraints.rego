# Constraint evaluation, duties, reason messages and the obligations handed to the data plane.
package kouan.contract

import data.kouan.lib.dates

# METADATA
# description: The right operand has the form the operator needs.
well_formed(c) if {
	c.operator == "eq"
	is_string(c.rightOperand)
} else if {
	list_operators[c.operator]
	is_array(c.rightOperand)
	count(c.rightOperand) > 0
	every value in c.rightOperand {
		is_string(value)
	}
} else if {
	c.leftOperand == "dateTime"
	dates.instant(c.rightOperand)
} else if {
	usage_counters[c.leftOperand]
	count_value(c.rightOperand)
}

# METADATA
# description: The constraint holds for this request; false for unknown or malformed constraints.
holds(c) if {
	c.operator == "eq"
	admits(c, subject[c.leftOperand])
}

holds(c) if {
	c.operator == "isAnyOf"
	admits(c, subject[c.leftOperand])
}

holds(c) if {
	c.operator == "isNoneOf"
	not admits(c, subject[c.leftOperand])
}

holds(c) if {
	c.leftOperand == "dateTime"
	compare(now, c.operator, dates.instant(c.rightOperand))
}

# A volume limit holds while the count so far is below it: this request is the next one.
holds(c) if {
	c.operator == "lteq"
	input.usage[usage_counters[c.leftOperand]] < c.rightOperand
}

compare(a, "gt", b) if a > b

compare(a, "gteq", b) if a >= b

compare(a, "lt", b) if a < b

compare(a, "lteq", b) if a <= b

list_operators := {"isAnyOf", "isNoneOf"}

# The right operand names the value v, destination country groups expanded to their members.
admits(c, v) if {
	c.leftOperand != "destinationCountry"
	some value in as_list(c.rightOperand)
	value == v
}

admits(c, v) if {
	c.leftOperand == "destinationCountry"
	some entry in as_list(c.rightOperand)
	v in country_members(entry)
}

country_members(entry) := data.country_groups.groups[substring(entry, 6, -1)].members if startswith(entry, "group:")

country_members(entry) := [entry] if not startswith(entry, "group:")

as_list(value) := value if is_array(value)

as_list(value) := [value] if is_string(value)

count_value(n) if {
	is_number(n)
	n >= 0
	round(n) == n
}

duty_well_formed(d) if {
	d.action in field_duties
	is_array(d.fields)
	count(d.fields) > 0
	every field in d.fields {
		is_string(field)
	}
}

# An ISO 8601 duration with at least one component, e.g. P30D, P1Y6M or PT12H. Read without a regex: in wasm every
# regex is compiled again in each evaluation (tens of µs), so the parts are checked with string builtins.
duty_well_formed(d) if {
	d.action == "delete_after"
	startswith(d.duration, "P")
	parts := split(substring(d.duration, 1, -1), "T")
	count(parts) <= 2
	not "" in array.slice(parts, 1, 2)
	concat("", parts) != ""
	_duration_part(parts[0], "YMWD")
	every time in array.slice(parts, 1, 2) {
		_duration_part(time, "HMS")
	}
}

duty_well_formed(d) if {
	d.action == "notify"
	is_string(object.get(d, "target", ""))
}

unmet_reason(c, code) := {
	"code": code,
	"message": concat("", ["the request does not meet the permission constraint ", describe(c), actual(c)]),
	"basis": concat(" ", ["agreement constraint", c.leftOperand]),
}

describe(c) := concat(" ", [c.leftOperand, c.operator, render(c.rightOperand)])

# Any constraint as text, the same in every engine (json.marshal orders object keys differently in wasm).
show(c) := concat(" ", [json.marshal(object.get(c, key, null)) | some key in constraint_keys]) if {
	"leftOperand" in object.keys(c)
} else := concat("", ["with keys ", concat(", ", sort(object.keys(c)))]) if {
	is_object(c)
} else := json.marshal(c)

# The value the constraint was evaluated against, for the message.
actual(c) := concat("", [" (now is ", input.now, ")"]) if {
	c.leftOperand == "dateTime"
} else := concat("", [" (", counter, " so far: ", render(input.usage[counter]), ")"]) if {
	counter := usage_counters[c.leftOperand]
} else := concat("", [" (", c.leftOperand, " is ", subject[c.leftOperand], ")"]) if {
	is_string(subject[c.leftOperand])
} else := concat("", [" (no ", c.leftOperand, " given)"])

render(value) := value if is_string(value)

render(value) := concat(", ", value) if is_array(value)

render(value) := format_int(value, 10) if is_number(value)

# A part of a duration: numbers, each followed by one of the designators, in their order and each at most once.
_duration_part(part, designators) if {
	letters := strings.replace_n(_no_digits, part)
	letters == strings.replace_n({c: "" | some c in split(designators, ""); not contains(letters, c)}, designators)
	numbers := split(strings.replace_n({c: "," | some c in split(designators, "")}, part), ",")
	numbers[count(numbers) - 1] == ""
	every n in array.slice(numbers, 0, count(numbers) - 1) {
		n != ""
		dates.digits(n)
	}
}

_no_digits := {"0": "", "1": "", "2": "", "3": "", "4": "", "5": "", "6": "", "7": "", "8": "", "9": ""}
