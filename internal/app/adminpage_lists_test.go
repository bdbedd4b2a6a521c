package app_test

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/casegate/casegate/internal/browsertest"
	"github.com/casegate/casegate/internal/gqltest"
)

// serviceLists is the service request's matrix as the server has it: its version, its lists that
// are set ("target:visibleOnlyFor" -> "user <id>" / "group <id>", in the stored order) and the
// configured mode of each cell ("target@stage/AUDIENCE").
type serviceLists struct {
	version int
	lists   map[string][]string
	cells   map[string]string
}

func readServiceLists(t *testing.T, admin *gqltest.Client) serviceLists {
	t.Helper()
	type ref struct{ User, Group *struct{ ID string } }
	var out struct {
		AccessMatrix struct {
			Version int
			Rows    []struct {
				Target                        string
				Cells                         []struct{ Stage, Audience, Configured string }
				VisibleOnlyFor, ModifyOnlyFor []ref
			}
		}
	}
	admin.Do(`{ accessMatrix(procedure: "service-request") { version rows { target cells { stage audience configured }
		visibleOnlyFor { user { id } group { id } } modifyOnlyFor { user { id } group { id } } } } }`, nil).MustOK(t).Decode(t, &out)
	m := serviceLists{version: out.AccessMatrix.Version, lists: map[string][]string{}, cells: map[string]string{}}
	for _, r := range out.AccessMatrix.Rows {
		for name, refs := range map[string][]ref{"visibleOnlyFor": r.VisibleOnlyFor, "modifyOnlyFor": r.ModifyOnlyFor} {
			for _, p := range refs {
				switch {
				case p.User != nil:
					m.lists[r.Target+":"+name] = append(m.lists[r.Target+":"+name], "user "+p.User.ID)
				case p.Group != nil:
					m.lists[r.Target+":"+name] = append(m.lists[r.Target+":"+name], "group "+p.Group.ID)
				default:
					t.Fatalf("%s:%s names neither a user nor a group", r.Target, name)
				}
			}
		}
		for _, c := range r.Cells {
			m.cells[r.Target+"@"+c.Stage+"/"+c.Audience] = c.Configured
		}
	}
	return m
}

// TestAdminPageLists drives the page's editing of the visibleOnlyFor / modifyOnlyFor lists in a
// headless Chromium: an administrator adds a group to a field's visibleOnlyFor (chosen among the
// suggestions the page looks up as they type) and a user to a section's modifyOnlyFor (typed and
// added with the keyboard), changes a cell too, and saves all three in one revision; removes the
// group and saves, which clears the list and keeps the section's; makes a list edit and reloads,
// which drops it; and sees a list the server refuses (its group deleted meanwhile) marked, and a
// conflict reported, with nothing saved. The server's matrix is read through GraphQL, not the page.
func TestAdminPageLists(t *testing.T) {
	s := gqltest.Start(t)
	admin := s.Admin()
	ola := createUser(t, admin, "ola.serwis@casegate.test", "Ola Serwis")
	newGroup := func(name string) string {
		t.Helper()
		var g struct{ CreateGroup struct{ ID string } }
		admin.Do(`mutation($n: String!) { createGroup(name: $n) { id } }`, map[string]any{"n": name}).MustOK(t).Decode(t, &g)
		return g.CreateGroup.ID
	}
	serwis := newGroup("Serwis")
	newGroup("Serwis zewnętrzny")
	start := readServiceLists(t, admin)
	if len(start.lists) != 0 {
		t.Fatalf("lists set before the test: %v", start.lists)
	}

	tab := browsertest.Start(t, 3*time.Minute)
	refused := tab.OnlyOrigin(s.URL)
	text := func(expression string) string { t.Helper(); return browsertest.Eval[string](tab, expression) }
	expect := func(what, got, want string) {
		t.Helper()
		if got != want {
			t.Fatalf("%s: %q, want %q", what, got, want)
		}
	}
	expectLists := func(what string, got serviceLists, want map[string][]string) {
		t.Helper()
		if !maps.EqualFunc(got.lists, want, slices.Equal) {
			t.Fatalf("%s: the server's lists are %v, want %v", what, got.lists, want)
		}
	}
	ready := `!document.body.hasAttribute("aria-busy")`
	pending := `document.getElementById("pending").textContent`
	row := func(target string) string { return `#grid tr[data-target="` + target + `"]` }
	// list reads a list as the page shows it: its chips, and whether it is marked as changed or bad.
	list := func(name string) string {
		t.Helper()
		return text(`(() => { const d = document.querySelector('#grid div[data-list="` + name + `"]'); if (!d) return "none";
			return Array.from(d.querySelectorAll("li.chip > span")).map((s) => s.textContent).join(",") +
			(d.classList.contains("edited") ? "|edited" : "") + (d.classList.contains("bad") ? "|bad " + d.getAttribute("aria-invalid") : ""); })()`)
	}
	openAdd := func(target string) {
		t.Helper()
		if text(`String(document.querySelector('`+row(target)+` details.add-ref').open)`) == "false" {
			tab.Do("open the add field of "+target, chromedp.Click(chromedp.CSS(row(target)+` details.add-ref summary`)))
		}
	}
	addButton := func(target, name string) string {
		return row(target) + ` details.add-ref button[data-add="` + name + `"]`
	}
	// typeAndAdd types text into a row's add field and clicks the button of a list.
	typeAndAdd := func(target, typed, name string) {
		t.Helper()
		openAdd(target)
		tab.Do("add "+typed+" to "+target+":"+name, chromedp.SendKeys(chromedp.CSS(row(target)+` details.add-ref input`), typed),
			chromedp.Click(chromedp.CSS(addButton(target, name))))
	}
	choose := func(key, value string) {
		t.Helper()
		tab.Do("choose "+value+" in "+key, chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector('`+adminCell(key)+` select');
			s.value = "`+value+`"; s.dispatchEvent(new Event("change", {bubbles: true})); })()`))
	}
	save := func(what, message string) {
		t.Helper()
		tab.Do("save", chromedp.Click(chromedp.ID("save")))
		tab.Wait(what, ready+` && `+msgText+` === "`+message+`"`, adminState)
	}

	tab.Do("open the page", chromedp.Navigate(s.URL+"/admin/#procedure/service-request"))
	tab.Wait("the login form", shownJS("login"), adminState)
	tab.Do("log in", chromedp.SendKeys(chromedp.ID("email"), gqltest.AdminEmail), chromedp.SendKeys(chromedp.ID("password"), gqltest.AdminPassword),
		chromedp.Click(chromedp.CSS(`#login button[type=submit]`)))
	tab.Wait("the service request's matrix", shownJS("home")+` && document.querySelector('`+row("request.subject")+`')`, adminState)
	expect("lists shown before any is set", text(`String(document.querySelectorAll("#grid div[data-list]").length)`), "0")

	// A group to the subject's visibleOnlyFor, chosen among the suggestions of what was typed.
	openAdd("request.subject")
	input := row("request.subject") + ` details.add-ref input`
	tab.Do("type part of a name", chromedp.SendKeys(chromedp.CSS(input), "Serw"))
	options := `Array.from(document.querySelectorAll("#principals option")).map((o) => o.value).sort().join(",")`
	// On focus the field suggests anyone; once "Serw" is typed, only who matches it.
	tab.Wait("the suggestions for Serw", options+` === "Group: Serwis,Group: Serwis zewnętrzny,Ola Serwis <ola.serwis@casegate.test>"`,
		adminState+` + "; suggestions: " + `+options)
	tab.Do("pick the group among them", chromedp.Evaluate[chromedp.Void](`(() => { const i = document.querySelector('`+input+`');
		i.value = "Group: Serwis"; i.dispatchEvent(new Event("input", {bubbles: true})); })()`),
		chromedp.Click(chromedp.CSS(addButton("request.subject", "visibleOnlyFor"))))
	tab.Wait("the group's chip", ready+` && document.querySelector('#grid div[data-list="request.subject:visibleOnlyFor"]')`, adminState)
	expect("the subject's visibleOnlyFor", list("request.subject:visibleOnlyFor"), "group Serwis|edited")
	expect("the add field after adding", text(`document.querySelector('`+input+`').value`), "")
	expect("pending", text(pending), "1 unsaved change.")

	// A user to the section's modifyOnlyFor, by e-mail and with the keyboard alone.
	openAdd("request")
	tab.Do("type an e-mail and press the button with the keyboard", chromedp.SendKeys(chromedp.CSS(row("request")+` details.add-ref input`), "ola.serwis@casegate.test"),
		chromedp.Focus(chromedp.CSS(addButton("request", "modifyOnlyFor"))), chromedp.KeyEvent(kb.Enter))
	tab.Wait("the user's chip", ready+` && document.querySelector('#grid div[data-list="request:modifyOnlyFor"]')`, adminState)
	expect("the section's modifyOnlyFor", list("request:modifyOnlyFor"), "Ola Serwis|edited")
	expect("the section's visibleOnlyFor", list("request:visibleOnlyFor"), "none")
	typeAndAdd("request", "ola.serwis@casegate.test", "modifyOnlyFor") // twice: refused, not listed twice
	tab.Wait("the refusal", ready+` && document.getElementById("msg").className === "err"`, adminState)
	expect("the refusal", text(msgText), "Ola Serwis is already on the list modified only by.")
	expect("the section's modifyOnlyFor", list("request:modifyOnlyFor"), "Ola Serwis|edited")
	typeAndAdd("request.description", "nobody-here", "visibleOnlyFor") // no match: nothing added
	tab.Wait("no match", ready+` && `+msgText+`.startsWith("No single user or group")`, adminState)
	expect("the description's visibleOnlyFor", list("request.description:visibleOnlyFor"), "none")

	// A cell in the same save: three changes, one revision.
	choose("request.description@NEW/EXTERNAL", "READ_ONLY")
	expect("pending", text(pending), "3 unsaved changes.")
	saved := start.version + 1
	save("saved", "Saved 3 changes: the settings are now at version "+strconv.Itoa(saved)+".")
	after := readServiceLists(t, admin)
	if after.version != saved {
		t.Fatalf("version %d after saving cells and lists together, want %d (one revision)", after.version, saved)
	}
	expectLists("after the first save", after, map[string][]string{
		"request.subject:visibleOnlyFor": {"group " + serwis},
		"request:modifyOnlyFor":          {"user " + ola},
	})
	expect("the cell saved with them", after.cells["request.description@NEW/EXTERNAL"], "READ_ONLY")
	expect("the page's lists after the save", list("request.subject:visibleOnlyFor")+" "+list("request:modifyOnlyFor"), "group Serwis Ola Serwis")
	expect("pending", text(pending), "No unsaved changes.")
	entry := `document.querySelector('#changes li[data-version="` + strconv.Itoa(saved) + `"]')`
	tab.Wait("the history entry", entry, adminState)
	expect("the history entry", text(`Array.from(`+entry+`.querySelectorAll(".cells li")).map((li) => li.textContent).sort().join(" ")`),
		"request.description@NEW/EXTERNAL request.subject:visibleOnlyFor request:modifyOnlyFor")

	// Removing the only chip clears the list; the section's list, not edited, stays.
	tab.Do("remove the group", chromedp.Click(chromedp.CSS(`#grid div[data-list="request.subject:visibleOnlyFor"] li.chip button`)))
	expect("the cleared list", list("request.subject:visibleOnlyFor"), "|edited")
	expect("pending", text(pending), "1 unsaved change.")
	save("saved", "Saved 1 change: the settings are now at version "+strconv.Itoa(saved+1)+".")
	after = readServiceLists(t, admin)
	if after.version != saved+1 {
		t.Fatalf("version %d after clearing the list, want %d", after.version, saved+1)
	}
	expectLists("after clearing", after, map[string][]string{"request:modifyOnlyFor": {"user " + ola}})
	expect("the page's lists", list("request.subject:visibleOnlyFor")+" "+list("request:modifyOnlyFor"), "none Ola Serwis")

	// A list edit reloaded away: gone from the page, and not sent with the next save.
	typeAndAdd("internal.estimate", "Serwis", "visibleOnlyFor")
	tab.Wait("the pending edit", ready+` && `+pending+` === "1 unsaved change."`, adminState)
	expect("the estimate's visibleOnlyFor", list("internal.estimate:visibleOnlyFor"), "group Serwis|edited")
	tab.Do("reload", chromedp.Click(chromedp.ID("reload")))
	tab.Wait("the reload", ready+` && `+pending+` === "No unsaved changes."`, adminState)
	expect("the estimate's visibleOnlyFor after the reload", list("internal.estimate:visibleOnlyFor"), "none")
	choose("request.description@NEW/EXTERNAL", "")
	save("saved", "Saved 1 change: the settings are now at version "+strconv.Itoa(saved+2)+".")
	after = readServiceLists(t, admin)
	expectLists("after a save that followed the reload", after, map[string][]string{"request:modifyOnlyFor": {"user " + ola}})
	expect("the cell saved after the reload", after.cells["request.description@NEW/EXTERNAL"], "AS_SECTION")

	// A group deleted after it was picked: the server refuses the list, the page marks it.
	tymczasowa := newGroup("Tymczasowa")
	typeAndAdd("internal", "Tymczasowa", "visibleOnlyFor")
	tab.Wait("the pending edit", ready+` && `+pending+` === "1 unsaved change."`, adminState)
	if _, err := s.DB.NewRaw(`DELETE FROM groups WHERE id = ?`, tymczasowa).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	tab.Do("save", chromedp.Click(chromedp.ID("save")))
	tab.Wait("the refusal", ready+` && document.getElementById("msg").className === "err"`, adminState)
	if got := text(msgText); !strings.HasPrefix(got, "Nothing was saved. ") || !strings.Contains(got, "internal:visibleOnlyFor") ||
		!strings.HasSuffix(got, "(the list is marked).") {
		t.Fatalf("the refusal says %q", got)
	}
	expect("the refused list", list("internal:visibleOnlyFor"), "group Tymczasowa|edited|bad true")
	if v := readServiceLists(t, admin).version; v != saved+2 {
		t.Fatalf("version %d after the refusal, want %d", v, saved+2)
	}

	// Someone else saves first: the list edit is not saved.
	tab.Do("remove the deleted group", chromedp.Click(chromedp.CSS(`#grid div[data-list="internal:visibleOnlyFor"] li.chip button`)))
	typeAndAdd("internal", "Serwis", "visibleOnlyFor")
	tab.Wait("the pending edit", ready+` && `+pending+` === "1 unsaved change."`, adminState)
	admin.Do(`mutation($v: Int!) { setAccessMatrix(procedure: "service-request", version: $v, changes: [{target: "request.subject", audience: EXTERNAL, stage: "DONE", mode: HIDDEN}]) { version } }`,
		map[string]any{"v": saved + 2}).MustOK(t)
	tab.Do("save", chromedp.Click(chromedp.ID("save")))
	tab.Wait("the conflict", ready+` && document.getElementById("msg").className === "err"`, adminState)
	expect("the conflict", text(msgText), "Someone else changed this procedure's settings since you loaded them, so nothing was saved."+
		" Reload to see their changes, then make yours again.")
	after = readServiceLists(t, admin)
	expectLists("after the conflict", after, map[string][]string{"request:modifyOnlyFor": {"user " + ola}})

	tab.Check()
	if r := refused(); len(r) > 0 {
		t.Fatalf("the page reached beyond its server: %v", r)
	}
}
