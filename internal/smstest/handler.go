package smstest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// send handles POST /sms.do. Checks run in the provider's order: up at all, who is asking, what
// is asked.
func (s *Server) send(w http.ResponseWriter, r *http.Request) {
	if s.take(&s.failing) {
		http.Error(w, "smstest: service temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+s.token {
		writeJSON(w, http.StatusUnauthorized, apiError{CodeAuthFailed, "Authorization failed"})
		return
	}
	if s.take(&s.refusing) {
		s.mu.Lock()
		e := s.refusal
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, e)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "smstest: "+err.Error(), http.StatusBadRequest)
		return
	}
	// PostForm, not Form: parameters in the URL would show in access logs, so they do not count.
	f := r.PostForm
	m := Message{To: f.Get("to"), Text: f.Get("message"), From: f.Get("from"), Idx: f.Get("idx"), Form: f}
	if m.To == "" || strings.ContainsFunc(m.To, func(r rune) bool { return r < '0' || r > '9' }) {
		writeJSON(w, http.StatusOK, apiError{CodeBadNumber, "No correct phone numbers"})
		return
	}
	if m.Text == "" {
		writeJSON(w, http.StatusOK, apiError{CodeNoMessage, "Message is empty"})
		return
	}
	id, ok := s.accept(m, f.Get("check_idx") == "1")
	if !ok {
		writeJSON(w, http.StatusOK, apiError{CodeDuplicateIdx, "Not unique idx parameter, message with the same idx has been already sent and &check_idx=1."})
		return
	}
	writeJSON(w, http.StatusOK, accepted(id, m))
}

// take uses up one of the requests counted by *n, reporting whether there was one left.
func (s *Server) take(n *int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if *n <= 0 {
		return false
	}
	*n--
	return true
}

// accept stores m and returns its id, unless checkIdx is set and its idx was seen before. The
// check and the store happen under one lock, so concurrent duplicates cannot both get through.
func (s *Server) accept(m Message, checkIdx bool) (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if checkIdx && m.Idx != "" && s.idx[m.Idx] {
		return 0, false
	}
	if m.Idx != "" {
		s.idx[m.Idx] = true
	}
	s.messages = append(s.messages, m)
	close(s.changed)
	s.changed = make(chan struct{})
	return len(s.messages), true
}

type listed struct {
	ID     string  `json:"id"`
	Points float64 `json:"points"`
	Number string  `json:"number"`
	Status string  `json:"status"`
	Idx    *string `json:"idx"`
}

func accepted(id int, m Message) any {
	e := listed{ID: "smstest-" + strconv.Itoa(id), Points: 0.16, Number: m.To, Status: "QUEUE"}
	if m.Idx != "" {
		e.Idx = &m.Idx
	}
	return struct {
		Count int      `json:"count"`
		List  []listed `json:"list"`
	}{1, []listed{e}}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
