package engine

import "testing"

func TestPersonQueryMatches(t *testing.T) {
	maria := Person{Name: "Maria Schneider", BirthDate: "1980-03-12", Email: "maria@example.org", Phone: "+49 2921 103-0"}
	visit := Person{Name: "Maria  Schneider", Phone: "02921 1030"}
	tests := []struct {
		name string
		q    PersonQuery
		p    Person
		want bool
	}{
		{"name, folded", PersonQuery{Name: "maria schneider"}, maria, true},
		{"umlaut spelling", PersonQuery{Name: "Jürgen Weiß"}, Person{Name: "Juergen Weiss"}, true},
		{"other name", PersonQuery{Name: "Maria Schneiders"}, maria, false},
		{"birth date", PersonQuery{BirthDate: "1980-03-12"}, maria, true},
		{"birth date, a visit holds none", PersonQuery{BirthDate: "1980-03-12"}, visit, false},
		{"name and birth date, a visit by name", PersonQuery{Name: "Maria Schneider", BirthDate: "1980-03-12"}, visit, true},
		{"name and other birth date", PersonQuery{Name: "Maria Schneider", BirthDate: "1981-03-12"}, maria, false},
		{"e-mail without case", PersonQuery{Email: "Maria@Example.org"}, maria, true},
		{"phone by digits, +49", PersonQuery{Phone: "02921/103-0"}, maria, true},
		{"phone by digits, 0049", PersonQuery{Phone: "0049 2921 1030"}, visit, true},
		{"namesake with another phone", PersonQuery{Name: "Maria Schneider", Phone: "0170 1234567"}, visit, false},
		{"namesake holding no phone", PersonQuery{Name: "Maria Schneider", Phone: "0170 1234567"}, Person{Name: "Maria Schneider"}, true},
		{"asked e-mail, the record holds none", PersonQuery{Email: "maria@example.org"}, visit, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.q.Matches(tt.p); got != tt.want {
				t.Errorf("Matches = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPersonQueryNormalize(t *testing.T) {
	tests := []struct {
		name      string
		q         PersonQuery
		wantField string
	}{
		{"name", PersonQuery{Name: " Maria "}, ""},
		{"nothing", PersonQuery{Name: "  "}, "person"},
		{"bad birth date", PersonQuery{BirthDate: "12.03.1980"}, "birth_date"},
		{"phone without digits", PersonQuery{Phone: "call me"}, "phone"},
		{"control character", PersonQuery{Name: "Maria\x07"}, "name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.q.Normalize()
			got := ""
			if err != nil {
				got = AsError(err).Field
			}
			if got != tt.wantField {
				t.Errorf("field %q (%v), want %q", got, err, tt.wantField)
			}
		})
	}
}
