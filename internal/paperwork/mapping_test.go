package paperwork

import (
	"slices"
	"testing"

	"github.com/dualmark/dualmark/internal/dossier"
)

func ptr(b bool) *bool { return &b }

func TestUpdateDefault(t *testing.T) {
	tests := []struct {
		u    dossier.Updates
		want string
	}{
		{dossier.Updates{Automatic: ptr(true), OptOut: ptr(true)}, "Automatic - may opt out"},
		{dossier.Updates{Automatic: ptr(true), OptOut: ptr(false)}, "Automatic - may not opt out"},
		{dossier.Updates{Automatic: ptr(true)}, "Automatic - may not opt out"},
		{dossier.Updates{Automatic: ptr(false)}, "Manual"},
		{dossier.Updates{Mechanism: "none", Automatic: ptr(true)}, "No updates"},
		{dossier.Updates{}, ""},
	}
	for _, tt := range tests {
		b := newDoc(&dossier.Dossier{}, "x", "x", "x")
		b.section("s")
		info := b.updates(tt.u)
		got := ""
		if info != nil {
			got = info.UpdateDefault
		}
		if got != tt.want {
			t.Errorf("%+v: update_default %q, want %q", tt.u, got, tt.want)
		}
		if (tt.want == "") != (len(b.doc.Gaps) == 1) {
			t.Errorf("%+v: gaps %q", tt.u, b.doc.Gaps)
		}
	}
}

func TestAccessControl(t *testing.T) {
	tests := []struct {
		a        dossier.Authentication
		options  []string
		pwType   string
		changeOK bool
	}{
		{dossier.Authentication{DefaultPassword: "unique-per-device", PasswordChange: "in the app"}, []string{"password"}, "factory_default", true},
		{dossier.Authentication{DefaultPassword: "universal"}, []string{"password"}, "factory_default", false},
		{dossier.Authentication{DefaultPassword: "user-set-at-setup", MultiFactor: ptr(true)}, []string{"password", "MFA"}, "user_generated", false},
		{dossier.Authentication{DefaultPassword: "none", AccessControl: []string{"single_account", "MFA"}}, []string{"single_account", "MFA"}, "", false},
		{dossier.Authentication{DefaultPassword: "none"}, nil, "", false},
	}
	for _, tt := range tests {
		b := newDoc(&dossier.Dossier{}, "x", "x", "x")
		b.section("s")
		ac := b.accessControl(tt.a)
		if tt.options == nil {
			if ac != nil || len(b.doc.Gaps) != 1 {
				t.Errorf("%+v: want a gap, got %+v", tt.a, ac)
			}
			continue
		}
		if !slices.Equal(ac.PasswordOptions, tt.options) || ac.PasswordFactoryDefault != tt.options[0] || ac.PasswordType != tt.pwType || (ac.UserChangeable != nil) != tt.changeOK {
			t.Errorf("%+v: got %+v", tt.a, ac)
		}
	}
}

func TestSensors(t *testing.T) {
	b := newDoc(&dossier.Dossier{}, "x", "x", "x")
	b.section("s")
	got := b.sensors(dossier.Data{Sensors: []string{"4K camera", "MEMS microphone", "PIR motion sensor"}})
	want := []Sensor{{"audio", true, "MEMS microphone"}, {"images", true, "4K camera"}, {"position", false, ""}}
	if !slices.Equal(got, want) {
		t.Errorf("sensors %+v, want %+v", got, want)
	}
	if b.sensors(dossier.Data{}) != nil || len(b.doc.Gaps) != 1 {
		t.Error("unstated sensors must be a gap, not \"none\"")
	}
	if s := b.sensors(dossier.Data{Sensors: []string{}}); len(s) != 3 || s[0].Has || s[1].Has || s[2].Has {
		t.Errorf("an empty sensor list means none: %+v", s)
	}
}
