package app

import (
	"fmt"
	"net/http"

	"pforte/engine"
)

// fieldLabels are the German names of the API's fields, as the forms show them.
var fieldLabels = map[string]string{
	"building":       "Gebäude",
	"name":           "Name",
	"phone":          "Telefon",
	"email":          "E-Mail",
	"address":        "Anschrift",
	"host":           "Gastgeber",
	"appointment_id": "Termin",
	"reason":         "Grund",
	"contact":        "Kontakt",
	"day":            "Tag",
	"by":             "Abgeholt von",
	"id":             "Besuch",
	"body":           "Anfrage",
}

func label(field string) string {
	if l, ok := fieldLabels[field]; ok {
		return l
	}
	return field
}

// status maps an engine error code to an HTTP status.
func status(code string) int {
	switch code {
	case engine.CodeInvalidField:
		return http.StatusBadRequest
	case engine.CodeNotFound:
		return http.StatusNotFound
	case engine.CodeInvalidState:
		return http.StatusConflict
	}
	return http.StatusInternalServerError
}

// message is the German text a person reads for an error.
func message(e *engine.Error) string {
	switch e.Code {
	case engine.CodeInvalidField:
		return invalidMessage(e)
	case engine.CodeNotFound:
		return fmt.Sprintf("%s nicht gefunden.", label(e.Field))
	case engine.CodeInvalidState:
		switch e.Rule {
		case "not_waiting":
			return "Der Besuch wartet nicht mehr am Eingang: er wurde schon abgeholt oder ist gegangen."
		case "already_left":
			return "Der Besuch ist bereits gegangen."
		}
		return "Das ist in diesem Zustand nicht möglich."
	}
	return "Interner Fehler. Bitte noch einmal versuchen; wenn es wieder passiert, den IT-Support verständigen."
}

func invalidMessage(e *engine.Error) string {
	l := label(e.Field)
	switch {
	case e.Field == "contact":
		return "Bitte Telefon, E-Mail oder Anschrift angeben."
	case e.Rule == engine.RuleRequired:
		return fmt.Sprintf("Bitte %s angeben.", l)
	case e.Rule == engine.RuleTooLong:
		return fmt.Sprintf("%s ist zu lang: höchstens %d Zeichen.", l, e.Limit)
	case e.Rule == engine.RuleControlChar:
		return fmt.Sprintf("%s enthält unzulässige Steuerzeichen.", l)
	case e.Rule == engine.RuleUnknown:
		return fmt.Sprintf("%s ist unbekannt.", l)
	case e.Rule == engine.RuleUnknownField:
		return fmt.Sprintf("Unbekanntes Feld „%s“.", e.Field)
	case e.Field == "email":
		return "Das ist keine gültige E-Mail-Adresse."
	case e.Field == "phone":
		return "Telefonnummer: bitte nur Ziffern, Leerzeichen und + ( ) / - . verwenden."
	case e.Field == "day":
		return "Tag bitte als JJJJ-MM-TT angeben."
	case e.Field == "body":
		return "Die Anfrage ist kein gültiges JSON-Objekt."
	}
	return fmt.Sprintf("%s ist ungültig.", l)
}
