package portal

import (
	"errors"
	"regexp"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/approval"
	apirefusal "github.com/kudus-diskominfo/subdomain-operator/internal/refusal"
)

// The API server's refusals of a form, in Indonesian beside the field they concern.
//
// The messages are the CRD's validation rules (config/crd/bases, written in
// api/v1alpha1) and the admission policies' (config/policies). Each is matched by its
// English text; messages_test.go checks that every message of the CRD and of the
// form's policies has a translation here, so a new rule without one fails there.

// translation is one English message of the API server and its Indonesian text. A
// literal is matched as a substring of the server's message; a pattern's groups
// ($1, $2, ...) are carried into the Indonesian text.
type translation struct {
	literal string
	pattern *regexp.Regexp
	id      string
}

func lit(en, id string) translation { return translation{literal: en, id: id} }
func pat(re, id string) translation {
	return translation{pattern: regexp.MustCompile(re), id: id}
}

const (
	plainTextID = "Harus berupa teks biasa dalam satu baris: karakter kontrol (baris baru, tab, ...) dan karakter arah teks yang tak terlihat (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) tidak diperbolehkan."
)

// translations, most specific first.
var translations = []translation{
	// spec.subdomain
	lit(`spec.subdomain is empty: write the name you ask for, e.g. "dinkes" for dinkes.kuduskab.go.id`,
		`Subdomain wajib diisi: tulis nama yang diminta, misalnya "dinkes" untuk dinkes.kuduskab.go.id.`),
	pat(`spec\.subdomain must be lowercase: write "(.*)", not "(.*)"`, `Subdomain harus huruf kecil: tulis "$1", bukan "$2".`),
	lit(`spec.subdomain must not end with a dot: remove the trailing dot`, `Subdomain tidak boleh diakhiri titik: hapus titik di akhir.`),
	lit(`spec.subdomain must be a single label without dots: write "dinkes", not "dinkes.kuduskab.go.id"`,
		`Subdomain harus satu nama tanpa titik: tulis "dinkes", bukan "dinkes.kuduskab.go.id".`),
	lit(`spec.subdomain cannot be a wildcard`, `Subdomain tidak boleh berupa wildcard (*).`),
	lit(`spec.subdomain may contain only lowercase letters a-z, digits 0-9 and '-' (no uppercase, underscores or spaces)`,
		`Subdomain hanya boleh berisi huruf kecil a-z, angka 0-9, dan tanda '-' (tanpa huruf besar, garis bawah, atau spasi).`),
	lit(`spec.subdomain must start and end with a letter or digit, not '-'`, `Subdomain harus diawali dan diakhiri huruf atau angka, bukan '-'.`),
	lit(`spec.subdomain cannot have '--' as its 3rd and 4th characters: that form (like xn--) is reserved for internationalized names`,
		`Subdomain tidak boleh memiliki '--' sebagai karakter ke-3 dan ke-4: bentuk itu (seperti xn--) dicadangkan untuk nama internasional.`),
	pat(`spec\.subdomain can change after the first approval only while the request is returned to the applicant because the name is taken \(phase ReturnedToApplicant\); it is now (.*)`,
		`Subdomain hanya dapat diganti setelah persetujuan pertama selama permohonan dikembalikan kepada pemohon karena namanya sudah dipakai; posisi permohonan sekarang: $1.`),
	pat(`the name (\S+) is already provisioned \(Namespace (\S+)\); a provisioned request cannot be renamed: file a new request for the new name`,
		`Nama $1 sudah dibuat (Namespace $2); permohonan yang sudah dibuat tidak dapat diganti namanya: ajukan permohonan baru untuk nama yang baru.`),
	lit(`metadata.name must be at most 57 characters (it becomes a label value on everything provisioned): use the subdomain as the name`,
		`Nama permohonan paling banyak 57 karakter.`),

	// spec.applicant
	lit(`spec.applicant.unit cannot be only whitespace: write the unit's name, e.g. "Dinas Kesehatan"`,
		`Nama unit tidak boleh hanya berisi spasi: tulis nama unit, misalnya "Dinas Kesehatan".`),
	lit(`spec.applicant.contactName cannot be only whitespace: write the contact person's full name`,
		`Nama narahubung tidak boleh hanya berisi spasi: tulis nama lengkap narahubung.`),
	lit(`spec.applicant.position cannot be only whitespace: write the position (jabatan) or leave the field out`,
		`Jabatan tidak boleh hanya berisi spasi: tulis jabatan atau kosongkan isian ini.`),
	pat(`spec\.(applicant\.\w+|letter\.number) must be plain text on one line: control characters`, plainTextID),
	pat(`spec\.applicant\.\w+ contains < or >: < and > are not allowed`, `Tanda < dan > tidak diperbolehkan.`),
	lit(`spec.applicant.email must be an email address such as nama@kuduskab.go.id`,
		`Email harus berupa satu alamat email, misalnya nama@kuduskab.go.id.`),
	lit(`spec.applicant.group cannot be a system: group; name your unit's group, e.g. opd:dinkes`,
		`Grup tidak boleh berupa grup system:; tulis grup unit Anda, misalnya opd:dinkes.`),
	lit(`spec.applicant.group may contain only letters a-z and A-Z, digits 0-9 and the characters : . _ @ -, and must start with a letter or digit (no spaces or other characters), e.g. opd:dinkes`,
		`Grup hanya boleh berisi huruf a-z dan A-Z, angka 0-9, dan karakter : . _ @ -, serta harus diawali huruf atau angka (tanpa spasi atau karakter lain), misalnya opd:dinkes.`),
	pat(`spec\.applicant\.group (.*?) does not follow the platform group naming (\S+) \(e\.g\. opd:dinkes\); ask Diskominfo for the group of your unit`,
		`Grup $1 tidak mengikuti penamaan grup platform $2 (misalnya opd:dinkes); tanyakan grup unit Anda kepada Diskominfo.`),
	lit(`spec.applicant.nip must be exactly 18 digits, without spaces`, `NIP harus tepat 18 angka, tanpa spasi.`),
	lit(`spec.applicant.phone must be a telephone number such as +62291438713 or (0291) 438713`,
		`Telepon harus berupa nomor telepon, misalnya +62291438713 atau (0291) 438713.`),

	// spec.letter
	lit(`spec.letter.number cannot be only whitespace: write the letter's number, e.g. "555/123/20.01/2026"`,
		`Nomor surat tidak boleh hanya berisi spasi: tulis nomor surat, misalnya "555/123/20.01/2026".`),
	lit(`spec.letter.date must be a date written YYYY-MM-DD, e.g. 2026-11-28`, `Tanggal surat harus ditulis TTTT-BB-HH, misalnya 2026-11-28.`),
	pat(`spec\.letter\.date (\S*) is not a date in the calendar`, `Tanggal surat $1 tidak ada di kalender.`),

	// spec.purpose
	lit(`spec.purpose cannot be only whitespace: write what the site is for`, `Tujuan tidak boleh hanya berisi spasi: tulis untuk apa situs ini.`),
	lit(`spec.purpose may contain newlines and tabs but no other control characters`,
		`Tujuan boleh berisi baris baru dan tab, tetapi tidak boleh berisi karakter kontrol lain (seperti carriage return) maupun karakter arah teks yang tak terlihat (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069).`),

	// The approval chain's rules on the spec (the rename path).
	lit(`the spec cannot change after the first approval; the only allowed change is spec.subdomain`,
		`Isi permohonan tidak dapat diubah setelah persetujuan pertama; yang boleh diubah hanya subdomain, dan hanya selama permohonan dikembalikan kepada pemohon karena namanya sudah dipakai.`),
	pat(`only the applicant who filed the request \((.*)\) can change its spec`, `Hanya pemohon yang mengajukan permohonan ini ($1) yang dapat mengubahnya.`),
	lit(`this request was rejected and cannot change; a rejected request is final, file a new one`,
		`Permohonan ini sudah ditolak dan tidak dapat diubah; penolakan bersifat final, ajukan permohonan baru.`),

	// The schema's generic checks.
	pat(`should be at least 1 chars long`, `Wajib diisi.`),
	pat(`^Required value`, `Wajib diisi.`),
	pat(`Too long: may not be (?:more|longer) than (\d+)`, `Terlalu panjang: paling banyak $1 karakter.`),
	pat(`must have at most (\d+) (?:bytes|characters)`, `Terlalu panjang: paling banyak $1 karakter.`),
	pat(`Unsupported value: "(.*?)": supported values: (.*)`, `Pilihan "$1" tidak dikenal; pilihannya: $2.`),
}

// translate returns the Indonesian text of an English message of the API server.
func translate(message string) (string, bool) {
	for _, tr := range translations {
		if tr.literal != "" {
			if strings.Contains(message, tr.literal) {
				return tr.id, true
			}
			continue
		}
		if m := tr.pattern.FindStringSubmatchIndex(message); m != nil {
			return string(tr.pattern.ExpandString(nil, tr.id, message, m)), true
		}
	}
	return "", false
}

// formFields maps a field path of the API to the form's field.
var formFields = map[string]string{
	"spec.subdomain":             "subdomain",
	"metadata.name":              "subdomain",
	"metadata":                   "subdomain",
	"spec.applicant.unit":        "unit",
	"spec.applicant.contactName": "contactName",
	"spec.applicant.position":    "position",
	"spec.applicant.nip":         "nip",
	"spec.applicant.email":       "email",
	"spec.applicant.phone":       "phone",
	"spec.applicant.group":       "group",
	"spec.letter.number":         "letterNumber",
	"spec.letter.date":           "letterDate",
	"spec.purpose":               "purpose",
	"spec.hosting.plan":          "plan",
	"spec.deletionPolicy":        "deletionPolicy",
	"spec.hosting.starterSite":   "plan",
	"spec.applicant":             "unit",
	"spec.letter":                "letterNumber",
}

// fieldInMessage finds the field an admission policy's message is about: they begin
// with it, or name it first.
var fieldInMessage = regexp.MustCompile(`\bspec(\.[a-zA-Z]+)+`)

// invalidPrefix is how the schema introduces a refused value.
var invalidPrefix = regexp.MustCompile(`^(Invalid value|Unsupported value|Forbidden|Too long|Required value)(: "(?:[^"\\]|\\.)*")?: `)

// refusal is the API server's refusal of a form: messages by form field, and those
// that concern no field, each in the page's language.
type refusal struct {
	Fields  map[string][]string
	General []string
}

func (r *refusal) add(field, text string) {
	if field == "" {
		for _, g := range r.General {
			if g == text {
				return
			}
		}
		r.General = append(r.General, text)
		return
	}
	for _, t := range r.Fields[field] {
		if t == text {
			return
		}
	}
	r.Fields[field] = append(r.Fields[field], text)
}

// explainRefusal sorts the API server's refusal of a create or an update into the
// form's fields, translated; what it cannot place or translate is kept as the
// server's own sentence (never a Go error dump).
func explainRefusal(l language, err error) refusal {
	r := refusal{Fields: map[string][]string{}}
	var status apierrors.APIStatus
	var causes []metav1.StatusCause
	if errors.As(err, &status) && status.Status().Details != nil {
		causes = status.Status().Details.Causes
	}
	text := func(message string) string {
		if l == indonesian {
			if id, ok := translate(message); ok {
				return id
			}
		}
		return message
	}
	for _, c := range causes {
		msg := invalidPrefix.ReplaceAllString(c.Message, "")
		if msg == "" {
			msg = c.Message
		}
		field := formFields[c.Field]
		if field == "" {
			if m := fieldInMessage.FindString(msg); m != "" {
				field = formFields[m]
			}
		}
		if l == indonesian {
			if id, ok := translate(c.Message); ok {
				r.add(field, id)
				continue
			}
		}
		r.add(field, msg)
	}
	if len(causes) == 0 {
		msg := apirefusal.Message(err)
		field := ""
		if m := fieldInMessage.FindString(msg); m != "" && strings.Index(msg, m) < 24 {
			field = formFields[m]
		}
		r.add(field, text(msg))
	}
	return r
}

// outOfOrder reads the roles out of the approval chain's order refusal.
var outOfOrder = regexp.MustCompile(`^(\S+) cannot decide yet: .* and (\S+) has not approved`)

// twoSteps reads the role already filled out of the approval chain's refusal.
var twoSteps = regexp.MustCompile(`already approved this request as (\S+); one person cannot fill two steps`)

// explainDecision says in plain words why the API server refused a decision.
func explainDecision(l language, err error, name, user string, role hostingv1.Role, chain approval.Chain) string {
	title := approval.RoleTitle(role)
	msg := apirefusal.Message(err)
	switch {
	case apierrors.IsNotFound(err):
		return l.t("err.notFound", name)
	case apierrors.IsConflict(err):
		return l.t("refuse.conflict")
	}
	switch apirefusal.KindOf(msg) {
	case apirefusal.NoRole:
		return l.t("refuse.noRole", user, title, title, role)
	case apirefusal.OutOfOrder:
		if m := outOfOrder.FindStringSubmatch(msg); m != nil {
			return l.t("refuse.outOfOrder", approval.RoleTitle(hostingv1.Role(m[1])), approval.RoleTitle(hostingv1.Role(m[2])))
		}
	case apirefusal.Returned:
		return l.t("refuse.returned")
	case apirefusal.OwnRequest:
		return l.t("refuse.ownRequest", title)
	case apirefusal.TwoSteps:
		other := role
		if m := twoSteps.FindStringSubmatch(msg); m != nil {
			other = hostingv1.Role(m[1])
		}
		return l.t("refuse.twoSteps", approval.RoleTitle(other))
	case apirefusal.Rejected:
		return l.t("refuse.rejected")
	case apirefusal.Decided:
		by := chain.Approvals[role]
		if by == "" && chain.Rejection != nil {
			by = chain.Rejection.User
		}
		if by == "" {
			by = "-"
		}
		return l.t("refuse.decided", title, by)
	case apirefusal.ServiceAccount:
		return l.t("refuse.serviceAccount")
	}
	switch {
	case strings.Contains(msg, "a rejection needs a reason"):
		return l.t("refuse.needReason")
	case apierrors.IsForbidden(err) && !apirefusal.ByPolicy(err):
		// RBAC: the user may not patch requests at all.
		return l.t("refuse.noPermission", user)
	}
	return l.t("refuse.other", msg)
}

func asAPIStatus(err error, st *apierrors.APIStatus) bool { return errors.As(err, st) }
