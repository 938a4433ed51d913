package oidctest

// Person is one of the people of the portal's tests and of the demo: a user of the
// provider, the ClusterRole of config/officials/roles.yaml that their group is bound
// to, and what they are in the procedure.
type Person struct {
	User
	// Role is the ClusterRole bound to the person's group.
	Role string
	// Title is what the person is in the procedure, as the demo prints it.
	Title string
}

// Cast are an applicant of the Dinas Kesehatan, the three officials of Diskominfo and
// an auditor. The API server names them oidc:<name>; their groups come as written here.
var Cast = []Person{
	{User{Name: "siti", Password: "siti-rahasia", DisplayName: "Siti Aminah", Groups: []string{"opd:dinkes"}},
		"subdomain-applicant", "Pemohon (applicant), Dinas Kesehatan"},
	{User{Name: "budi", Password: "budi-rahasia", DisplayName: "Budi Santoso", Groups: []string{"diskominfo:kepala-dinas"}},
		"subdomain-kepala-dinas", "Kepala Dinas"},
	{User{Name: "agus", Password: "agus-rahasia", DisplayName: "Agus Salim", Groups: []string{"diskominfo:kepala-bidang-informatika"}},
		"subdomain-kepala-bidang-informatika", "Kepala Bidang Informatika"},
	{User{Name: "dewi", Password: "dewi-rahasia", DisplayName: "Dewi Lestari", Groups: []string{"diskominfo:kepala-seksi-ti-persandian"}},
		"subdomain-kepala-seksi-ti-persandian", "Kepala Seksi TI dan Persandian"},
	{User{Name: "ratna", Password: "ratna-rahasia", DisplayName: "Ratna Sari", Groups: []string{"diskominfo:auditors"}},
		"subdomain-auditor", "Auditor"},
}

// CastUsers are the Cast's users, for Options.Users.
func CastUsers() []User {
	users := make([]User, len(Cast))
	for i, p := range Cast {
		users[i] = p.User
	}
	return users
}

// CastBindings maps each ClusterRole of the Cast to the group it is bound to.
func CastBindings() map[string]string {
	b := map[string]string{}
	for _, p := range Cast {
		for _, g := range p.Groups {
			b[p.Role] = g
		}
	}
	return b
}

// CastPassword is the password of the Cast's user name, "" for another name.
func CastPassword(name string) string {
	for _, p := range Cast {
		if p.Name == name {
			return p.Password
		}
	}
	return ""
}
