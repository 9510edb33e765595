package engine

import (
	"errors"
	"fmt"
)

// Error codes. They are part of the HTTP API (see shared/API.md) and are
// mapped to a status and German text once, in package app.
const (
	CodeInvalidField = "invalid_field"  // bad input; Field names it
	CodeNotFound     = "not_found"      // no such entity
	CodeInvalidState = "invalid_state"  // the entity cannot do that now (e.g. leave twice)
	CodeSlotTaken    = "slot_taken"     // the slot is no longer free
	CodeAmbiguous    = "ambiguous"      // several matches: Field says what to add
	CodeNobody       = "nobody_waiting" // no checked-in citizen to call
	CodeInternal     = "internal"       // a bug or a broken disk; never the user's fault
	// CodeCatchingUp: the site is getting its own ops back from its peers
	// (restored from a backup) and writes nothing until it holds them
	CodeCatchingUp = "catching_up"
	// Who may do what (app's gate): no session or device, no right to
	// this route or building, too many failed attempts, a locked desk.
	CodeUnauthenticated = "unauthenticated"
	CodeForbidden       = "forbidden"
	CodeTooMany         = "too_many_attempts"
	CodeLocked          = "locked"
	CodeConflict        = "conflict" // the name or thing exists already
)

// Error is the one error type of Pforte: a machine code, the field it is
// about (if any) and a human detail in English for logs. The German text the
// user reads is chosen from Code and Field at the edge.
type Error struct {
	Code   string
	Field  string
	Rule   string // which rule the field broke, e.g. RuleRequired
	Limit  int    // the bound of RuleTooLong
	Detail string
	Err    error // the cause, if any
}

// Rules a field can break, so the edge can say precisely what is wrong.
const (
	RuleRequired     = "required"
	RuleTooLong      = "too_long"
	RuleControlChar  = "control_char"
	RuleFormat       = "format"
	RuleUnknown      = "unknown"       // refers to something that does not exist
	RuleUnknownField = "unknown_field" // a field the API does not have
	RuleOrder        = "order"         // an end not after its start: close ≤ open, to before from
	RuleOverlap      = "overlap"       // two intervals of one day overlap
	RuleRange        = "range"         // a number outside its bounds
)

func (e *Error) Error() string {
	msg := e.Code
	if e.Field != "" {
		msg += " " + e.Field
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Invalid reports bad input in one field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: CodeInvalidField, Field: field, Detail: fmt.Sprintf(format, args...)}
}

// InvalidRule reports bad input in one field, naming the rule it broke.
func InvalidRule(field, rule, format string, args ...any) *Error {
	e := Invalid(field, format, args...)
	e.Rule = rule
	return e
}

// NotFound reports that the entity named by field does not exist.
func NotFound(field, format string, args ...any) *Error {
	return &Error{Code: CodeNotFound, Field: field, Detail: fmt.Sprintf(format, args...)}
}

// Conflict reports that what is to be created exists already.
func Conflict(field, format string, args ...any) *Error {
	return &Error{Code: CodeConflict, Field: field, Detail: fmt.Sprintf(format, args...)}
}

// InvalidState reports that an entity cannot make the asked transition;
// rule names the state that forbids it.
func InvalidState(rule, format string, args ...any) *Error {
	return &Error{Code: CodeInvalidState, Rule: rule, Detail: fmt.Sprintf(format, args...)}
}

// AsError returns err as an *Error; anything else becomes CodeInternal.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: CodeInternal, Err: err}
}
