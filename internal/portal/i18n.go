package portal

import (
	"fmt"
	"net/http"
	"time"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
)

// language is the language of the pages: Bahasa Indonesia first, English second.
type language string

const (
	indonesian language = "id"
	english    language = "en"
)

// language picks the page's language: ?lang=id|en (kept in a cookie for the next
// pages), the cookie, or the portal's default.
func (s *Server) language(w http.ResponseWriter, r *http.Request) language {
	switch q := r.URL.Query().Get("lang"); q {
	case "id", "en":
		http.SetCookie(w, &http.Cookie{Name: s.cookieName("portal-lang"), Value: q, Path: "/", HttpOnly: true,
			Secure: s.cfg.CookieSecure, SameSite: http.SameSiteLaxMode, MaxAge: 365 * 24 * 60 * 60})
		return language(q)
	}
	switch c := s.cookie(r, "portal-lang"); c {
	case "id", "en":
		return language(c)
	}
	return language(s.cfg.Language)
}

// T returns the message key in the language, formatted with args (fmt verbs); the
// templates call it as {{.Lang.T "key"}}.
func (l language) T(key string, args ...any) string { return l.t(key, args...) }

func (l language) t(key string, args ...any) string {
	m, ok := catalogue[key]
	if !ok {
		return key
	}
	format := m.id
	if l == english {
		format = m.en
	}
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}

// Code is the language's code, for <html lang>.
func (l language) Code() string { return string(l) }

// Other is the language to switch to.
func (l language) Other() language {
	if l == english {
		return indonesian
	}
	return english
}

// message is one entry of the catalogue; both take the same arguments.
type message struct{ id, en string }

// phaseText is a phase for people.
func (l language) phaseText(p hostingv1.Phase) string {
	if p == "" {
		return l.t("phase.none")
	}
	if _, ok := catalogue["phase."+string(p)]; ok {
		return l.t("phase." + string(p))
	}
	return string(p)
}

// stepText is a timeline step's name for people (ApplicantRename-2 and the like keep
// their number).
func (l language) stepText(name string) string {
	base, n := name, ""
	for i := len(name) - 1; i > 0; i-- {
		if name[i] == '-' {
			base, n = name[:i], name[i:]
			break
		}
	}
	if _, ok := catalogue["step."+base]; ok {
		return l.t("step."+base) + n
	}
	if _, ok := catalogue["step."+name]; ok {
		return l.t("step." + name)
	}
	return name
}

func (l language) stateText(s hostingv1.StepState) string {
	if _, ok := catalogue["state."+string(s)]; ok {
		return l.t("state." + string(s))
	}
	return string(s)
}

// durationText shows a duration as people write it: "10 menit", "1 jam 5 menit".
func (l language) durationText(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, sec := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	switch {
	case h > 0 && m > 0:
		return l.t("dur.hm", h, m)
	case h > 0:
		return l.t("dur.h", h)
	case m > 0 && sec > 0 && m < 10:
		return l.t("dur.ms", m, sec)
	case m > 0:
		return l.t("dur.m", m)
	}
	return l.t("dur.s", sec)
}

var catalogue = map[string]message{
	"app.name":      {"Portal Permohonan Subdomain", "Subdomain Request Portal"},
	"app.owner":     {"Diskominfo Kabupaten Kudus", "Diskominfo, Kudus Regency"},
	"app.sop":       {"Sesuai SOP 555/963/18.03/2021 Permohonan Hosting dan Sub Domain Website.", "Following SOP 555/963/18.03/2021 on hosting and website subdomain requests."},
	"lang.switch":   {"English", "Bahasa Indonesia"},
	"skip":          {"Langsung ke isi", "Skip to content"},
	"nav.label":     {"Menu utama", "Main menu"},
	"nav.home":      {"Beranda", "Home"},
	"nav.new":       {"Ajukan permohonan", "File a request"},
	"nav.mine":      {"Permohonan saya", "My requests"},
	"nav.official":  {"Menunggu keputusan saya", "Waiting for me"},
	"nav.register":  {"Register", "Register"},
	"nav.logout":    {"Keluar", "Log out"},
	"nav.login":     {"Masuk", "Log in"},
	"home.title":    {"Beranda", "Home"},
	"home.guest":    {"Masuk dengan akun Pemerintah Kabupaten Kudus untuk mengajukan permohonan subdomain, memutuskannya sebagai pejabat, atau membaca register.", "Log in with your Kudus Regency account to file a subdomain request, decide on it as an official, or read the register."},
	"home.loggedIn": {"Anda masuk sebagai %s (nama pengguna di server API: %s).", "You are logged in as %s (user name at the API server: %s)."},
	"home.can":      {"Yang dapat Anda lakukan, menurut hak akses Anda di server API:", "What you can do, as the API server allows you:"},
	"home.canNew":   {"mengajukan permohonan subdomain (Pemohon)", "file a subdomain request (applicant)"},
	"home.canMine":  {"mengikuti permohonan Anda dan riwayatnya", "follow your requests and their timeline"},
	"home.canRole":  {"memutuskan sebagai %s", "decide as %s"},
	"home.canReg":   {"membaca register dan mengunduh CSV-nya (Auditor)", "read the register and download its CSV (auditor)"},
	"home.nothing":  {"Akun Anda belum diberi hak apa pun atas permohonan subdomain. Hubungi tim platform Diskominfo.", "Your account has no rights on subdomain requests yet. Contact the Diskominfo platform team."},
	"session.until": {"Sesi berakhir pada %s.", "The session ends at %s."},

	// Errors.
	"err.title":         {"Tidak dapat dilanjutkan", "Cannot continue"},
	"err.csrf":          {"Permintaan ditolak: formulir ini tidak berasal dari sesi Anda atau sudah kedaluwarsa. Buka kembali halamannya, lalu kirim ulang.", "Refused: this form does not come from your session or has expired. Open the page again and send it once more."},
	"err.provider":      {"Layanan login tidak dapat dihubungi. Coba lagi beberapa saat lagi.", "The login service cannot be reached. Try again in a moment."},
	"err.loginExpired":  {"Proses masuk tidak dapat diselesaikan (kedaluwarsa atau dibuka di peramban lain). Silakan masuk lagi.", "The login could not be completed (it expired or was started in another browser). Please log in again."},
	"err.loginProvider": {"Layanan login menolak proses masuk. Silakan masuk lagi.", "The login service refused the login. Please log in again."},
	"err.apiRefusedLogin": {"Server API tidak menerima akun Anda. Hubungi tim platform Diskominfo.",
		"The API server does not accept your account. Contact the Diskominfo platform team."},
	"err.api":            {"Server API tidak dapat dihubungi. Coba lagi beberapa saat lagi.", "The API server cannot be reached. Try again in a moment."},
	"err.forbidden":      {"Anda tidak berhak melihat halaman ini: server API tidak mengizinkan akun Anda (%s).", "You may not see this page: the API server does not allow your account (%s)."},
	"err.forbiddenWrite": {"Anda tidak berhak mengirim perubahan ini: server API tidak mengizinkan akun Anda (%s).", "You may not send this change: the API server does not allow your account (%s)."},
	"err.notFound":       {"Permohonan %s tidak ada (mungkin sudah dihapus).", "There is no request %s (it may have been deleted)."},
	"err.badRole":        {"Peran yang dikirim tidak dikenal.", "The role sent is unknown."},
	"err.back":           {"Kembali ke beranda", "Back to the home page"},

	// The applicant's form.
	"form.title":             {"Ajukan permohonan subdomain", "File a subdomain request"},
	"form.intro":             {"Isi formulir sesuai surat permohonan. Isian bertanda * wajib diisi. Permohonan dikirim atas nama Anda (%s) dan diperiksa oleh server API.", "Fill in the form as in the request letter. Fields marked * are required. The request is sent in your name (%s) and checked by the API server."},
	"form.unit":              {"Unit kerja (OPD)", "Unit (OPD)"},
	"form.unit.hint":         {"Misalnya Dinas Kesehatan", "E.g. Dinas Kesehatan"},
	"form.contactName":       {"Nama narahubung", "Contact name"},
	"form.position":          {"Jabatan", "Position"},
	"form.nip":               {"NIP", "NIP (civil-servant number)"},
	"form.nip.hint":          {"18 angka tanpa spasi; boleh dikosongkan", "18 digits without spaces; may be left empty"},
	"form.email":             {"Email", "Email"},
	"form.phone":             {"Telepon / WhatsApp", "Phone / WhatsApp"},
	"form.phone.hint":        {"Misalnya +62291438713 atau (0291) 438713", "E.g. +62291438713 or (0291) 438713"},
	"form.letterNumber":      {"Nomor surat permohonan", "Request letter number"},
	"form.letterNumber.hint": {"Misalnya 555/123/20.01/2026", "E.g. 555/123/20.01/2026"},
	"form.letterDate":        {"Tanggal surat", "Letter date"},
	"form.letterDate.hint":   {"TTTT-BB-HH, misalnya 2026-11-28", "YYYY-MM-DD, e.g. 2026-11-28"},
	"form.purpose":           {"Tujuan situs", "Purpose of the site"},
	"form.subdomain":         {"Subdomain yang diminta", "Requested subdomain"},
	"form.subdomain.hint":    {"Huruf kecil, angka, dan tanda -; menjadi <nama>.%s", "Lowercase letters, digits and -; becomes <name>.%s"},
	"form.group":             {"Grup pengelola situs", "Group that manages the site"},
	"form.group.hint":        {"Grup unit Anda, misalnya opd:dinkes", "Your unit's group, e.g. opd:dinkes"},
	"form.plan":              {"Paket hosting", "Hosting plan"},
	"form.plan.small":        {"Kecil (small)", "Small"},
	"form.plan.medium":       {"Sedang (medium)", "Medium"},
	"form.plan.large":        {"Besar (large)", "Large"},
	"form.deletionPolicy":    {"Jika permohonan dihapus", "When the request is deleted"},
	"form.retain":            {"Situs dan datanya tetap disimpan (Retain)", "Keep the site and its data (Retain)"},
	"form.delete":            {"Situs, data, dan DNS-nya ikut dihapus (Delete)", "Delete the site, its data and DNS (Delete)"},
	"form.submit":            {"Kirim permohonan", "Send the request"},
	"form.errors":            {"Server API menolak permohonan ini. Perbaiki isian berikut:", "The API server refused this request. Correct these fields:"},
	"form.general":           {"Pesan lain dari server API:", "Other messages of the API server:"},
	"form.required":          {"wajib", "required"},
	"form.filed":             {"Permohonan %s sudah diajukan. Sekarang menunggu Kepala Dinas.", "Request %s was filed. It now waits for the Kepala Dinas."},

	// Lists.
	"mine.title":      {"Permohonan saya", "My requests"},
	"mine.empty":      {"Belum ada permohonan dari Anda atau unit Anda.", "Neither you nor your unit has filed a request yet."},
	"mine.intro":      {"Permohonan yang diajukan oleh %s atau atas nama unit Anda (%s).", "Requests filed by %s or in the name of your unit (%s)."},
	"col.name":        {"Permohonan", "Request"},
	"col.subdomain":   {"Subdomain", "Subdomain"},
	"col.unit":        {"Unit", "Unit"},
	"col.phase":       {"Posisi", "Phase"},
	"col.waiting":     {"Menunggu", "Waiting for"},
	"col.created":     {"Diajukan", "Filed"},
	"col.standard":    {"Mutu baku", "Time standard"},
	"col.deadline":    {"Batas waktu", "Deadline"},
	"col.overdue":     {"Terlambat", "Overdue"},
	"col.letter":      {"Surat", "Letter"},
	"col.requestedBy": {"Pengaju", "Filed by"},
	"col.kd":          {"Kepala Dinas", "Kepala Dinas"},
	"col.kb":          {"Kepala Bidang", "Kepala Bidang"},
	"col.ks":          {"Kepala Seksi", "Kepala Seksi"},
	"col.result":      {"Hasil", "Result"},
	"col.url":         {"Alamat situs", "Site address"},
	"yes":             {"ya", "yes"},
	"no":              {"tidak", "no"},
	"overdueBy":       {"ya, lewat %s", "yes, by %s"},

	"official.title":  {"Menunggu keputusan saya", "Waiting for my decision"},
	"official.intro":  {"Permohonan yang menunggu peran Anda (%s), yang terlambat di atas.", "Requests waiting for your role (%s), overdue first."},
	"official.empty":  {"Tidak ada permohonan yang menunggu Anda.", "No request waits for you."},
	"official.noRole": {"Anda tidak memegang peran pejabat mana pun, jadi tidak ada permohonan yang menunggu Anda.", "You hold none of the officials' roles, so no request waits for you."},

	// The request page.
	"req.title":        {"Permohonan %s", "Request %s"},
	"req.data":         {"Data permohonan", "The request"},
	"req.contact":      {"Narahubung", "Contact"},
	"req.letterOf":     {"%s tanggal %s", "%s of %s"},
	"req.purpose":      {"Tujuan", "Purpose"},
	"req.plan":         {"Paket", "Plan"},
	"req.deletion":     {"Jika dihapus", "When deleted"},
	"req.group":        {"Grup pengelola", "Managing group"},
	"req.nip":          {"NIP", "NIP"},
	"req.timeline":     {"Riwayat dan mutu baku waktu", "Timeline and time standards"},
	"req.noSteps":      {"Riwayat belum dicatat: operator belum memproses permohonan ini.", "No timeline yet: the operator has not processed this request."},
	"req.decisions":    {"Keputusan yang sudah tercatat:", "Decisions recorded so far:"},
	"req.approvedBy":   {"%s: disetujui oleh %s", "%s: approved by %s"},
	"req.rejectedBy":   {"Ditolak oleh %s sebagai %s. Alasan: %s", "Rejected by %s as %s. Reason: %s"},
	"req.returned":     {"Dikembalikan kepada pemohon: %s", "Returned to the applicant: %s"},
	"req.returnedHint": {"Pilih nama lain di bawah; Kepala Seksi TI dan Persandian akan memeriksa nama yang baru.", "Choose another name below; the Kepala Seksi TI dan Persandian then checks the new name."},
	"req.rename":       {"Ganti nama subdomain", "Rename the subdomain"},
	"req.newName":      {"Subdomain baru", "New subdomain"},
	"req.renameSubmit": {"Ganti nama", "Rename"},
	"req.renamed":      {"Nama subdomain sudah diganti; permohonan kembali ke pemeriksaan Kepala Seksi.", "The subdomain was renamed; the request goes back to the Kepala Seksi's check."},
	"req.decide":       {"Keputusan Anda sebagai %s", "Your decision as %s"},
	"req.notYourTurn":  {"Permohonan ini sekarang menunggu %s. Server API hanya menerima keputusan sesuai urutan SOP.", "This request now waits for %s. The API server accepts decisions only in the SOP's order."},
	"req.approve":      {"Setujui sebagai %s", "Approve as %s"},
	"req.reason":       {"Alasan penolakan", "Reason for the rejection"},
	"req.reasonHint":   {"Wajib diisi; pemohon akan membacanya. Penolakan bersifat final.", "Required; the applicant reads it. A rejection is final."},
	"req.reject":       {"Tolak sebagai %s", "Reject as %s"},
	"req.needReason":   {"Penolakan wajib disertai alasan.", "A rejection needs a reason."},
	"req.approved":     {"Persetujuan Anda sebagai %s sudah dicatat atas nama %s.", "Your approval as %s was recorded under the name %s."},
	"req.rejected":     {"Penolakan Anda sebagai %s sudah dicatat atas nama %s.", "Your rejection as %s was recorded under the name %s."},
	"req.refused":      {"Keputusan tidak dicatat", "The decision was not recorded"},
	"req.site":         {"Situs", "Site"},
	"col.step":         {"Langkah", "Step"},
	"col.state":        {"Status", "State"},
	"col.performer":    {"Pelaksana", "Performed by"},
	"col.by":           {"Oleh", "By"},
	"col.decidedAt":    {"Waktu", "When"},
	"col.took":         {"Lama", "Took"},
	"col.breached":     {"Melewati mutu baku", "Past the standard"},
	"col.note":         {"Catatan", "Note"},
	"soFar":            {"%s sejauh ini", "%s so far"},

	// Register.
	"reg.title":   {"Register permohonan subdomain", "Register of subdomain requests"},
	"reg.filter":  {"Saring", "Filter"},
	"reg.from":    {"Diajukan sejak", "Filed from"},
	"reg.to":      {"Sampai dengan", "Until"},
	"reg.unit":    {"Unit (sebagian nama)", "Unit (part of the name)"},
	"reg.result":  {"Hasil", "Result"},
	"reg.all":     {"Semua", "All"},
	"reg.apply":   {"Tampilkan", "Show"},
	"reg.csv":     {"Unduh CSV (kolom sama dengan kubectl subdomain register -o csv)", "Download CSV (the columns of kubectl subdomain register -o csv)"},
	"reg.count":   {"%d permohonan.", "%d requests."},
	"reg.empty":   {"Tidak ada permohonan yang cocok dengan saringan.", "No request matches the filter."},
	"reg.badDate": {"Tanggal harus ditulis TTTT-BB-HH, misalnya 2026-01-01.", "Dates are written YYYY-MM-DD, e.g. 2026-01-01."},

	// Who.
	"who.nobody":    {"tidak ada", "nobody"},
	"who.applicant": {"pemohon", "the applicant"},
	"who.operator":  {"operator (pelaksana teknis)", "the operator (technical staff)"},
	"who.platform":  {"tim platform", "the platform team"},

	// Phases, steps and states.
	"phase.none":                {"belum diproses operator", "not yet processed by the operator"},
	"phase.PendingKepalaDinas":  {"Menunggu Kepala Dinas", "Waiting for the Kepala Dinas"},
	"phase.PendingKepalaBidang": {"Menunggu Kepala Bidang Informatika", "Waiting for the Kepala Bidang Informatika"},
	"phase.PendingKepalaSeksi":  {"Menunggu Kepala Seksi TI dan Persandian", "Waiting for the Kepala Seksi TI dan Persandian"},
	"phase.ReturnedToApplicant": {"Dikembalikan kepada pemohon", "Returned to the applicant"},
	"phase.Rejected":            {"Ditolak", "Rejected"},
	"phase.Approved":            {"Disetujui", "Approved"},
	"phase.Provisioning":        {"Situs sedang dibuat", "The site is being made"},
	"phase.Ready":               {"Situs aktif", "The site is live"},
	"phase.Deleting":            {"Sedang dihapus", "Being deleted"},
	"step.Submission":           {"Pengajuan", "Submission"},
	"step.KepalaDinas":          {"Disposisi Kepala Dinas", "Kepala Dinas's disposition"},
	"step.KepalaBidang":         {"Tanda tangan Kepala Bidang", "Kepala Bidang's signature"},
	"step.KepalaSeksi":          {"Pemeriksaan Kepala Seksi", "Kepala Seksi's check"},
	"step.Provisioning":         {"Pembuatan subdomain dan hosting", "Making the subdomain and hosting"},
	"step.Notification":         {"Pemberitahuan kepada pemohon", "Telling the applicant"},
	"step.ApplicantRename":      {"Ganti nama oleh pemohon", "Rename by the applicant"},
	"step.ProvisioningBlocked":  {"Tertahan di tim platform", "Held by the platform team"},
	"state.Waiting":             {"Menunggu", "Waiting"},
	"state.Done":                {"Selesai", "Done"},
	"state.Rejected":            {"Ditolak", "Rejected"},
	"state.Returned":            {"Dikembalikan", "Returned"},
	"state.NotStarted":          {"Belum dimulai", "Not started"},

	"dur.hm": {"%d jam %d menit", "%d h %d min"},
	"dur.h":  {"%d jam", "%d h"},
	"dur.ms": {"%d menit %d detik", "%d min %d s"},
	"dur.m":  {"%d menit", "%d min"},
	"dur.s":  {"%d detik", "%d s"},

	// Decisions refused by the API server, in plain words.
	"refuse.noRole": {"Anda (%s) tidak memegang peran %s, jadi tidak dapat memutuskan sebagai %s. Jika seharusnya Anda, mintalah tim platform menambahkan akun Anda ke grup yang terhubung dengan ClusterRole subdomain-%s.",
		"You (%s) do not hold the role of %s, so you cannot decide as %s. If you should, ask the platform team to add your account to the group bound to ClusterRole subdomain-%s."},
	"refuse.noPermission": {"Anda (%s) tidak berhak mengubah permohonan: server API tidak memberi akun Anda izin itu. Hanya pejabat yang berwenang yang dapat memutuskan.",
		"You (%s) may not change requests: the API server does not give your account that right. Only the officials can decide."},
	"refuse.outOfOrder": {"Belum giliran %s: urutan SOP adalah Kepala Dinas, lalu Kepala Bidang Informatika, lalu Kepala Seksi TI dan Persandian, dan %s belum menyetujui.",
		"It is not the %s's turn yet: the SOP's order is Kepala Dinas, then Kepala Bidang Informatika, then Kepala Seksi TI dan Persandian, and the %s has not approved."},
	"refuse.returned": {"Nama yang diminta sudah dipakai dan permohonan sedang dikembalikan kepada pemohon untuk memilih nama lain. Setujui setelah pemohon mengganti nama dan operator memeriksanya.",
		"The requested name is taken and the request is back with the applicant to choose another. Approve once the applicant has renamed it and the operator has checked it."},
	"refuse.ownRequest": {"Pemohon tidak dapat menyetujui permohonannya sendiri: %s lain yang harus menyetujuinya.",
		"The applicant cannot approve their own request: another %s must approve it."},
	"refuse.twoSteps": {"Anda sudah menyetujui permohonan ini sebagai %s; satu orang hanya dapat mengisi satu langkah SOP.",
		"You already approved this request as %s; one person fills only one step of the SOP."},
	"refuse.rejected": {"Permohonan ini sudah ditolak. Penolakan bersifat final: pemohon harus mengajukan permohonan baru.",
		"This request was rejected. A rejection is final: the applicant has to file a new request."},
	"refuse.decided": {"Keputusan %s atas permohonan ini sudah diberikan (oleh %s) dan tidak dapat diubah atau dihapus.",
		"The %s's decision on this request was already given (by %s) and cannot be changed or removed."},
	"refuse.serviceAccount": {"Keputusan hanya dapat dibuat dengan akun pribadi pejabat, bukan akun layanan.",
		"Decisions are made with an official's own account, not a service account."},
	"refuse.needReason": {"Penolakan wajib disertai alasan.", "A rejection needs a reason."},
	"refuse.conflict": {"Permohonan berubah ketika Anda memutuskan. Buka kembali halamannya, lalu coba lagi.",
		"The request changed while you decided. Open the page again and try once more."},
	"refuse.other": {"Server API menolak perubahan ini: %s", "The API server refused this change: %s"},
}
