package plugin

import (
	"fmt"
	"regexp"
	"strings"
)

// language is the language of the plugin's messages: English, or Bahasa Indonesia for
// the officials and the applicants who read it. What the API server says (the
// admission policies' messages) is shown as the server sends it; the lines the plugin
// adds around it follow the language.
type language string

const (
	english    language = "en"
	indonesian language = "id"
)

// localeIndonesian matches a locale name for Indonesian: id, id_ID, id_ID.UTF-8, id-ID, ...
var localeIndonesian = regexp.MustCompile(`^id([_.@-]|$)`)

// detectLanguage picks the language: --lang when given (en or id), otherwise the
// locale, as POSIX orders it: LC_ALL, then LC_MESSAGES, then LANG; the first that is
// set decides, and Indonesian is chosen when it starts with "id".
func detectLanguage(flag string, getenv func(string) string) (language, error) {
	switch strings.ToLower(strings.TrimSpace(flag)) {
	case "en":
		return english, nil
	case "id":
		return indonesian, nil
	case "":
	default:
		return english, fmt.Errorf("--lang must be en or id, not %q", flag)
	}
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(name); v != "" {
			if localeIndonesian.MatchString(strings.ToLower(v)) {
				return indonesian, nil
			}
			return english, nil
		}
	}
	return english, nil
}

// t returns the message key in the language, formatted with args (fmt verbs).
func (l language) t(key string, args ...any) string {
	m, ok := catalogue[key]
	if !ok {
		panic("kubectl-subdomain: no message " + key)
	}
	format := m.en
	if l == indonesian {
		format = m.id
	}
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}

// errorf is t as an error; a %w verb in the message wraps its argument.
func (l language) errorf(key string, args ...any) error {
	m, ok := catalogue[key]
	if !ok {
		panic("kubectl-subdomain: no message " + key)
	}
	format := m.en
	if l == indonesian {
		format = m.id
	}
	return fmt.Errorf(format, args...)
}

// message is one entry of the catalogue, in English and in Bahasa Indonesia. Both take
// the same arguments in the same order (use %[n]s when a sentence needs another order).
type message struct{ en, id string }

// catalogue holds every line the plugin writes for people. Table headers are
// tab-separated. The values of the API (phases, step names, step states) are not
// translated: they are what kubectl get and the guides show.
var catalogue = map[string]message{
	// Errors and refusals around every command.
	"error":   {"Error: %v", "Kesalahan: %v"},
	"refused": {"Refused: %s", "Ditolak: %s"},
	"err.noSuchRequest": {"there is no SubdomainRequest named %q (see 'kubectl subdomain list')",
		"tidak ada SubdomainRequest bernama %q (lihat 'kubectl subdomain list')"},
	"err.noCRD": {"this cluster does not know SubdomainRequests: the platform team has not installed the operator's CRD (%w)",
		"klaster ini tidak mengenal SubdomainRequest: tim platform belum memasang CRD operator (%w)"},
	"err.forbidden": {"you may not read SubdomainRequests; ask the platform team for access (%w)",
		"Anda tidak berhak membaca SubdomainRequest; mintalah akses kepada tim platform (%w)"},
	"err.output": {"--output must be empty (the table) or one of: %s; not %q",
		"--output harus kosong (tabel) atau salah satu dari: %s; bukan %q"},

	// Who a request waits for, and who performs a step.
	"who.nobody":    {"nobody", "tidak ada"},
	"who.applicant": {"the applicant", "pemohon"},
	"who.operator":  {"the operator (technical staff)", "operator (pelaksana teknis)"},
	"who.platform":  {"the platform team", "tim platform"},
	"col.applicant": {"applicant", "pemohon"},
	"col.operator":  {"operator", "operator"},
	"col.platform":  {"platform team", "tim platform"},

	// list
	"list.header":     {"NAME\tSUBDOMAIN\tUNIT\tPHASE\tWAITING FOR\tAGE\tOVERDUE", "NAMA\tSUBDOMAIN\tUNIT\tPOSISI\tMENUNGGU\tUSIA\tTERLAMBAT"},
	"list.headerWide": {"\tREQUESTED BY\tLETTER\tURL", "\tPENGAJU\tSURAT\tURL"},
	"list.noRoles": {"You hold none of the officials' roles (%s), so no request waits for you.",
		"Anda tidak memegang satu pun peran pejabat (%s), jadi tidak ada permohonan yang menunggu Anda."},
	"list.noneForYou": {"No request waits for you (%s).", "Tidak ada permohonan yang menunggu Anda (%s)."},
	"list.empty":      {"There are no subdomain requests yet.", "Belum ada permohonan subdomain."},

	// describe
	"desc.name":      {"Name:", "Nama:"},
	"desc.subdomain": {"Subdomain:", "Subdomain:"},
	"desc.unit":      {"Unit:", "Unit:"},
	"desc.contact":   {"Contact:", "Narahubung:"},
	"desc.letter":    {"Letter:", "Surat:"},
	"desc.letterOf":  {"%s of %s", "%s tanggal %s"},
	"desc.purpose":   {"Purpose:", "Tujuan:"},
	"desc.phase":     {"Phase:", "Posisi:"},
	"desc.waiting":   {"Waiting for:", "Menunggu:"},
	"desc.url":       {"URL:", "URL:"},
	"desc.requested": {"Requested by:", "Diajukan oleh:"},
	"desc.created":   {"Created:", "Dibuat:"},
	"desc.timeline":  {"Timeline:", "Riwayat:"},
	"desc.noSteps": {"  (not recorded yet: the operator has not seen this request)",
		"  (belum dicatat: operator belum melihat permohonan ini)"},
	"desc.stepsHeader": {"STEP\tSTATE\tOFFICIAL\tBY\tDECIDED AT\tTOOK\tSTANDARD\tBREACHED",
		"LANGKAH\tSTATUS\tPELAKSANA\tOLEH\tDIPUTUSKAN\tLAMA\tMUTU BAKU\tTERLAMPAUI"},
	"desc.stepsHeaderWide": {"\tSTARTED AT\tDEADLINE", "\tDIMULAI\tBATAS WAKTU"},
	"desc.rejectedBy":      {"Rejected by %s (%s). Reason: %s", "Ditolak oleh %s (%s). Alasan: %s"},
	"desc.returned": {"Returned to the applicant: %s\nThe applicant may choose another spec.subdomain; the %s then checks the new name.",
		"Dikembalikan kepada pemohon: %s\nPemohon dapat memilih spec.subdomain yang lain; %s kemudian memeriksa nama yang baru."},
	"desc.soFar": {"%s so far", "%s sejauh ini"},
	"desc.site": {"The site (it is Ready, and the applicant told, only when all of these hold):",
		"Situs (baru Ready, dan pemohon baru diberi tahu, jika semua ini terpenuhi):"},
	"desc.siteHeader": {"CONDITION\tSTATUS\tMESSAGE", "KONDISI\tSTATUS\tPESAN"},
	"yes":             {"yes", "ya"},
	"no":              {"no", "tidak"},

	// approve and reject
	"decide.alreadyRejected": {"%s was already rejected by %s as %s: %s", "%s sudah ditolak oleh %s sebagai %s: %s"},
	"decide.allApproved":     {"all three officials have already approved %s", "ketiga pejabat sudah menyetujui %s"},
	"decide.nothingLeft":     {"Nothing is left for an official to decide.", "Tidak ada lagi yang perlu diputuskan pejabat."},
	"decide.nothingLeftWaits": {"Nothing is left for an official to decide; it waits for %s.",
		"Tidak ada lagi yang perlu diputuskan pejabat; permohonan menunggu %s."},
	"decide.notHolding": {"%s waits for the %s (%s), and you (%s) do not hold that role",
		"%s menunggu %s (%s), dan Anda (%s) tidak memegang peran itu"},
	"decide.approved": {"Approved: you (%s) approved %s as %s (%s=%s).", "Disetujui: Anda (%s) menyetujui %s sebagai %s (%s=%s)."},
	"decide.next":     {"Next: %s (%s).", "Berikutnya: %s (%s)."},
	"decide.allDone": {"All three officials have approved; the operator now checks the name once more and creates the site.",
		"Ketiga pejabat sudah menyetujui; operator kini memeriksa nama sekali lagi dan membuat situsnya."},
	"decide.rejected": {"Rejected: you (%s) rejected %s as %s.", "Penolakan dicatat: Anda (%s) menolak %s sebagai %s."},
	"decide.reason":   {"Reason: %s", "Alasan: %s"},
	"decide.final": {"A rejected request is final; the applicant has to file a new request.",
		"Penolakan bersifat final; pemohon harus mengajukan permohonan baru."},
	"decide.needReason": {"a rejection needs a reason: add --reason \"...\"", "penolakan wajib disertai alasan: tambahkan --reason \"...\""},

	// The hints after a refusal.
	"hint.rejectedFinal": {"A rejected request is final: the applicant must file a new request.",
		"Permohonan yang ditolak bersifat final: pemohon harus mengajukan permohonan baru."},
	"hint.askRole": {"Ask the platform team to add you to the group bound to ClusterRole subdomain-%s.",
		"Mintalah tim platform menambahkan akun Anda ke grup yang terhubung dengan ClusterRole subdomain-%s."},
	"hint.waitsFor": {"The request waits for %s.", "Permohonan ini menunggu %s."},
	"hint.ownRequest": {"Another %s must approve it: the applicant never approves their own request.",
		"%s lain yang harus menyetujuinya: pemohon tidak pernah menyetujui permohonannya sendiri."},
	"hint.oneStep": {"Another %s must approve it: one person fills only one step of the SOP.",
		"%s lain yang harus menyetujuinya: satu orang hanya mengisi satu langkah SOP."},
	"hint.final": {"Decisions are final; see the timeline with 'kubectl subdomain describe %s'.",
		"Keputusan bersifat tetap; lihat riwayatnya dengan 'kubectl subdomain describe %s'."},
	"hint.serviceAccount": {"Decide with your own user account, not with a service account.",
		"Putuskan dengan akun pengguna Anda sendiri, bukan dengan akun layanan (service account)."},
	"hint.describe": {"See where the request stands with 'kubectl subdomain describe %s'.",
		"Lihat posisi permohonan dengan 'kubectl subdomain describe %s'."},
	"hint.noRole": {"If you should decide as %s, ask the platform team to add you to the group bound to ClusterRole subdomain-%s.",
		"Jika Anda seharusnya memutuskan sebagai %s, mintalah tim platform menambahkan akun Anda ke grup yang terhubung dengan ClusterRole subdomain-%s."},
	"hint.otherRole": {"You hold the role of %s: you can decide when a request waits for it (see 'kubectl subdomain list --waiting-for-me').",
		"Anda memegang peran %s: Anda dapat memutuskan saat permohonan menunggu peran itu (lihat 'kubectl subdomain list --waiting-for-me')."},

	// register
	"register.output": {"--output must be table, csv or json, not %q", "--output harus table, csv, atau json, bukan %q"},
	"register.since": {"--since must be a date written YYYY-MM-DD, e.g. 2026-01-01, not %q",
		"--since harus tanggal dengan format TTTT-BB-HH (YYYY-MM-DD), misalnya 2026-01-01, bukan %q"},
	"register.header": {"NAME\tLETTER\tUNIT\tSUBDOMAIN\tREQUESTED BY\tCREATED\tKEPALA DINAS\tKEPALA BIDANG\tKEPALA SEKSI\tRESULT\tURL",
		"NAMA\tSURAT\tUNIT\tSUBDOMAIN\tPENGAJU\tDIAJUKAN\tKEPALA DINAS\tKEPALA BIDANG\tKEPALA SEKSI\tHASIL\tURL"},
	"register.noneSince": {"No request was filed on or after %s.", "Tidak ada permohonan yang diajukan pada atau setelah %s."},

	// version
	"version.client":      {"Client Version: %s", "Versi Klien: %s"},
	"version.server":      {"Server Version: %s", "Versi Server: %s"},
	"version.unreachable": {"Server Version: unknown, the API server is not reachable: %v", "Versi Server: tidak diketahui, server API tidak dapat dihubungi: %v"},

	// check
	"check.ok": {"%s:%d: %s: OK, the API server accepts it (dry run: nothing was stored)",
		"%s:%d: %s: lolos, server API menerimanya (uji coba: tidak ada yang disimpan)"},
	"check.okUpdate": {"%s:%d: %s: OK, the request exists and the API server accepts this manifest as its new version (dry run: nothing was changed)",
		"%s:%d: %s: lolos, permohonan ini sudah ada dan server API menerima berkas ini sebagai versi barunya (uji coba: tidak ada yang diubah)"},
	"check.okLocal": {"%s:%d: %s: no duplicate key (not sent to the API server: --local)",
		"%s:%d: %s: tidak ada kunci ganda (tidak dikirim ke server API: --local)"},
	"check.duplicate": {"%s:%d: the key %q appears twice in %s (first at line %d); kubectl and most tools would silently keep only the last value: keep one",
		"%s:%d: kunci %q ditulis dua kali di %s (pertama di baris %d); kubectl dan kebanyakan alat diam-diam hanya memakai nilai yang terakhir: sisakan satu"},
	"check.duplicateNoFirst": {"%s:%d: the key %q appears twice in the same mapping; kubectl and most tools would silently keep only the last value: keep one",
		"%s:%d: kunci %q ditulis dua kali dalam pemetaan yang sama; kubectl dan kebanyakan alat diam-diam hanya memakai nilai yang terakhir: sisakan satu"},
	"check.topLevel":   {"the top level", "tingkat teratas"},
	"check.notSent":    {"%s:%d: not sent to the API server until the file is fixed", "%s:%d: tidak dikirim ke server API sampai berkas diperbaiki"},
	"check.yaml":       {"%s:%d: not valid YAML: %s", "%s:%d: bukan YAML yang sah: %s"},
	"check.notObject":  {"%s:%d: not a Kubernetes object (a request is a mapping with apiVersion, kind, metadata and spec)", "%s:%d: bukan objek Kubernetes (permohonan berupa pemetaan dengan apiVersion, kind, metadata, dan spec)"},
	"check.noKind":     {"%s:%d: the document has no apiVersion or kind; a request starts with apiVersion: %s and kind: SubdomainRequest", "%s:%d: dokumen ini tidak memiliki apiVersion atau kind; permohonan diawali apiVersion: %s dan kind: SubdomainRequest"},
	"check.notRequest": {"%s:%d: a %s (%s), not a SubdomainRequest (%s): kubectl subdomain check checks requests only", "%s:%d: sebuah %s (%s), bukan SubdomainRequest (%s): kubectl subdomain check hanya memeriksa permohonan"},
	"check.unreachable": {"%s:%d: %s: not checked, the API server did not answer (--local checks only for duplicate keys): %v",
		"%s:%d: %s: belum diperiksa, server API tidak menjawab (--local hanya memeriksa kunci ganda): %v"},
	"check.refused": {"%s:%d: %s: the API server refuses it: %s", "%s:%d: %s: server API menolaknya: %s"},
	"check.quote": {"%s:%d: write that value between quotes, e.g. nip: \"198001012005012001\"",
		"%s:%d: tulis nilai itu di antara tanda petik, misalnya nip: \"198001012005012001\""},
	"check.empty":   {"%s: no request in the file", "%s: berkas tidak berisi permohonan"},
	"check.read":    {"%s: cannot read: %v", "%s: tidak dapat dibaca: %v"},
	"check.session": {"cannot reach the API server to check the requests (use --local to check only for duplicate keys): %v", "tidak dapat menghubungi server API untuk memeriksa permohonan (gunakan --local untuk memeriksa kunci ganda saja): %v"},
	"check.summary": {"%d problem(s) found; fix them and run kubectl subdomain check again. Nothing was stored.",
		"Ditemukan %d masalah; perbaiki, lalu jalankan kubectl subdomain check lagi. Tidak ada yang disimpan."},
}
