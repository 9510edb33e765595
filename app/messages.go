package app

import (
	"fmt"
	"net/http"

	"pforte/engine"
)

// fieldLabels are the German names of the API's fields, as the forms show them.
var fieldLabels = map[string]string{
	"building":           "Gebäude",
	"name":               "Name",
	"phone":              "Telefon",
	"email":              "E-Mail",
	"address":            "Anschrift",
	"host":               "Gastgeber",
	"appointment_id":     "Termin",
	"reason":             "Grund",
	"contact":            "Kontakt",
	"day":                "Tag",
	"by":                 "Abgeholt von",
	"id":                 "Besuch",
	"body":               "Anfrage",
	"services":           "Anliegen",
	"start":              "Beginn",
	"channel":            "Buchungsweg",
	"citizen.name":       "Name",
	"citizen.birth_date": "Geburtsdatum",
	"citizen.phone":      "Telefon",
	"citizen.email":      "E-Mail",
	"birth_date":         "Geburtsdatum",
	"code":               "Buchungscode",
	"from":               "Ab-Tag",
	"days":               "Anzahl Tage",
	"limit":              "Anzahl",
	"counter":            "Schalter",
	"document":           "Dokument",
	"format":             "Format",
	"printer":            "Drucker",
	"job":                "Druckauftrag",
	"slip_printer":       "Belegdrucker",
	"a4_printer":         "A4-Drucker",
	"slip_format":        "Belegformat",
	"cancel_phone":       "Telefon für Absagen",
	"cups_server":        "Druckserver",
	"action":             "Aktion",
	"to":                 "Bis-Tag",
	"home_site":          "Heimatstandort",
	"allotments":         "Kontingente",
	"token_minutes":      "Blocklänge",
	"user":               "Benutzername",
	"password":           "Passwort",
	"pin":                "PIN",
	"roles":              "Rollen",
	"buildings":          "Gebäude",
	"kind":               "Art",
	"account":            "Konto",
	"device":             "Gerät",
	"visit":              "Besuch",
	"appointment":        "Termin",
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
	case engine.CodeInvalidState, engine.CodeSlotTaken, engine.CodeAmbiguous:
		return http.StatusConflict
	case engine.CodeNobody:
		return http.StatusNotFound
	case engine.CodeCatchingUp:
		return http.StatusServiceUnavailable
	case engine.CodeUnauthenticated, engine.CodeLocked:
		return http.StatusUnauthorized
	case engine.CodeForbidden:
		return http.StatusForbidden
	case engine.CodeTooMany:
		return http.StatusTooManyRequests
	case engine.CodeConflict:
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
		switch {
		case e.Field == "birth_date" || e.Field == "code":
			return "Für heute wurde kein Termin gefunden. Bitte wenden Sie sich an die Information."
		case e.Rule == ruleTracing:
			return "An diesem Tag war niemand dieses Namens im Gebäude (weder als Besuch noch mit Termin)."
		}
		return fmt.Sprintf("%s nicht gefunden.", label(e.Field))
	case engine.CodeSlotTaken:
		return "Dieser Termin ist inzwischen vergeben. Bitte einen anderen wählen."
	case engine.CodeAmbiguous:
		if e.Rule == ruleTracing {
			return "An diesem Tag waren mehrere Personen dieses Namens im Gebäude. Bitte eine aus der Liste wählen."
		}
		return "Für dieses Geburtsdatum gibt es heute mehrere Termine. Bitte zusätzlich den Namen eingeben."
	case engine.CodeNobody:
		return "Niemand wartet, der an diesem Schalter bedient werden kann."
	case engine.CodeUnauthenticated:
		switch e.Field {
		case "unlock":
			return "Passwort oder PIN ist falsch."
		case "code":
			return "Dieser Kopplungscode ist unbekannt, schon benutzt oder abgelaufen."
		}
		if e.Detail == "wrong user or password" {
			return "Benutzername oder Passwort ist falsch."
		}
		return "Bitte zuerst anmelden."
	case engine.CodeLocked:
		return "Dieser Platz ist gesperrt. Bitte mit Passwort oder PIN entsperren."
	case engine.CodeForbidden:
		switch e.Field {
		case "code":
			return "Der Einrichtungscode ist falsch. Er steht in der Konsole und im Protokoll des Servers."
		case "building":
			return "Für dieses Gebäude fehlt Ihnen die Berechtigung."
		}
		return "Dafür fehlt Ihnen die Berechtigung."
	case engine.CodeTooMany:
		return "Zu viele Fehlversuche. Bitte kurz warten und dann noch einmal versuchen."
	case engine.CodeConflict:
		if e.Field == "user" {
			return "Diesen Benutzernamen gibt es schon."
		}
		return "Pforte ist bereits eingerichtet. Bitte anmelden."
	case engine.CodeCatchingUp:
		return "Dieser Platz holt gerade seine eigenen Einträge von den anderen Standorten zurück (z. B. nach dem Einspielen einer Sicherung). Bitte in einigen Sekunden noch einmal versuchen."
	case engine.CodeInvalidState:
		switch e.Rule {
		case "not_waiting":
			return "Der Besuch wartet nicht mehr am Eingang: er wurde schon abgeholt oder ist gegangen."
		case "already_left":
			return "Der Besuch ist bereits gegangen."
		case "no_stay":
			return "Diese Person war nicht im Gebäude: der Termin ist storniert, nicht wahrgenommen oder hat noch nicht begonnen."
		case "print_job_busy":
			return "Der Druckauftrag wird gerade gesendet."
		case "appointment_cancelled":
			return "Der Termin ist storniert."
		case "appointment_served":
			return "Der Termin ist bereits erledigt."
		case "appointment_no_show":
			return "Der Termin ist als nicht erschienen vermerkt."
		case "appointment_booked":
			return "Der Termin ist noch nicht eingecheckt."
		case "appointment_checked_in", "appointment_called":
			return "Der Termin ist bereits eingecheckt."
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
	case e.Field == "person":
		return "Bitte Name, Geburtsdatum, E-Mail oder Telefon der Person angeben."
	case e.Field == "visit" && e.Rule == engine.RuleRequired:
		return "Bitte einen Besuch, einen Termin oder einen Namen angeben."
	case e.Field == "password" && e.Rule == engine.RuleRange:
		return fmt.Sprintf("Das Passwort muss mindestens %d Zeichen lang sein.", e.Limit)
	case e.Field == "pin":
		return "Die PIN besteht aus 4 bis 8 Ziffern."
	case e.Field == "user" && e.Rule == engine.RuleFormat:
		return "Benutzername: 2 bis 40 Zeichen, nur Kleinbuchstaben a–z, Ziffern, Punkt, Binde- und Unterstrich."
	case e.Field == "roles" && e.Rule == engine.RuleRequired:
		return "Bitte mindestens eine Rolle wählen (die eigene Verwaltungsrolle kann man sich nicht selbst nehmen)."
	case e.Rule == engine.RuleAppointmentOnly:
		return "Besuch nur mit Termin: Ohne Termin bitte den Grund des Besuchs angeben."
	case e.Field == "appointment_id" && e.Rule == "other_building":
		return "Der Termin ist in einem anderen Gebäude."
	case e.Field == "appointment_id" && e.Rule == "not_today":
		return "Der Termin ist nicht heute."
	case e.Field == "host" && e.Rule == engine.RuleUnknown:
		return "Gastgeber ist unbekannt. Bitte einen Namen aus der Liste wählen."
	case e.Field == "services" && e.Rule == engine.RuleTooLong:
		return fmt.Sprintf("Höchstens %d Anliegen pro Termin.", e.Limit)
	case e.Field == "services" && e.Rule == "not_offered":
		return "Mindestens ein Anliegen wird in diesem Gebäude nicht angeboten."
	case e.Field == "services" && e.Rule == engine.RuleFormat:
		return "Jedes Anliegen nur einmal auswählen."
	case e.Field == "allotments" || e.Field == "home_site" || e.Field == "token_minutes":
		return allotmentMessage(e)
	case e.Rule == engine.RuleRequired:
		return fmt.Sprintf("Bitte %s angeben.", l)
	case e.Rule == engine.RuleTooLong:
		return fmt.Sprintf("%s ist zu lang: höchstens %d Zeichen.", l, e.Limit)
	case e.Rule == engine.RuleControlChar:
		return fmt.Sprintf("%s enthält unzulässige Steuerzeichen.", l)
	case e.Rule == engine.RuleUnknown:
		return fmt.Sprintf("%s ist unbekannt.", l)
	case e.Rule == engine.RuleOrder:
		return fmt.Sprintf("%s: das Ende muss nach dem Beginn liegen.", l)
	case e.Rule == engine.RuleOverlap:
		return fmt.Sprintf("%s: Zeiten überschneiden sich.", l)
	case e.Rule == engine.RuleRange:
		return fmt.Sprintf("%s liegt außerhalb des erlaubten Bereichs.", l)
	case e.Rule == engine.RuleUnknownField:
		return fmt.Sprintf("Unbekanntes Feld „%s“.", e.Field)
	case e.Field == "email":
		return "Das ist keine gültige E-Mail-Adresse."
	case e.Field == "phone":
		return "Telefonnummer: bitte nur Ziffern, Leerzeichen und + ( ) / - . verwenden."
	case e.Field == "day" || e.Field == "from":
		return "Tag bitte als JJJJ-MM-TT angeben."
	case e.Field == "citizen.birth_date" || e.Field == "birth_date":
		return "Bitte ein gültiges Geburtsdatum angeben (TT.MM.JJJJ)."
	case e.Field == "start":
		return "Beginn bitte als Zeitpunkt mit Zeitzone angeben (RFC 3339)."
	case e.Field == "channel":
		return "Unbekannter Buchungsweg: Schalter, Telefon, Online oder Zweigstelle."
	case e.Field == "citizen.email":
		return "Das ist keine gültige E-Mail-Adresse."
	case e.Field == "citizen.phone":
		return "Telefonnummer: bitte nur Ziffern, Leerzeichen und + ( ) / - . verwenden."
	case e.Field == "action":
		return "Unbekannte Aktion: Angerufen, E-Mail geschickt oder Erledigt."
	case e.Field == "body":
		return "Die Anfrage ist kein gültiges JSON-Objekt."
	}
	return fmt.Sprintf("%s ist ungültig.", l)
}

// allotmentMessage says what is wrong with a building's allotment settings.
func allotmentMessage(e *engine.Error) string {
	switch {
	case e.Field == "home_site" && e.Rule == engine.RuleRequired:
		return "Bitte einen Heimatstandort wählen: ohne ihn gibt es keine Kontingente."
	case e.Field == "allotments" && e.Rule == engine.RuleOver100:
		return "Die Kontingente ergeben zusammen mehr als 100 %. Der Heimatstandort behält den Rest."
	case e.Field == "allotments" && e.Rule == engine.RuleRange:
		return "Ein Kontingent muss zwischen 0 und 100 % liegen."
	case e.Field == "allotments" && e.Rule == engine.RuleHomeAllotted:
		return "Der Heimatstandort bekommt kein eigenes Kontingent: er behält den Rest."
	case e.Field == "token_minutes":
		return "Die Blocklänge muss zwischen 1 und 1440 Minuten liegen."
	case e.Rule == engine.RuleTooLong:
		return fmt.Sprintf("Der Standortname ist zu lang: höchstens %d Zeichen.", e.Limit)
	}
	return "Der Standortname ist ungültig: bitte ohne Leerzeichen, wie beim Start mit --site angegeben."
}
