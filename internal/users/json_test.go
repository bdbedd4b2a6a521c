package users

import (
	"reflect"
	"testing"
	"time"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/database"
	"github.com/casegate/casegate/internal/dbtest"
)

// TestJSONObjectReadsLikeTheModel: a user read through JSONObjectSQL and DecodeJSON is the user
// bun reads, every column set and every column empty.
func TestJSONObjectReadsLikeTheModel(t *testing.T) {
	db := dbtest.New(t)
	ctx := t.Context()
	phone, hash := "+48 600 000 000", "$argon2id$hash"
	expires := time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC)
	full := &User{Email: "full@casegate.test", Name: "Pełny Użytkownik", Phone: &phone, Status: Blocked, ProfileExpiresOn: &expires,
		PasswordHash: &hash, Permissions: []access.Permission{access.PermAdmin}, CreatedAt: time.Now(), UpdatedAt: time.Now()}
	bare := &User{Email: "bare@casegate.test", Name: "Bare", Status: Active, Permissions: []access.Permission{},
		CreatedAt: time.Now(), UpdatedAt: time.Now()}
	for _, u := range []*User{full, bare} {
		if _, err := db.NewInsert().Model(u).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	full.ManagerID = &bare.ID
	if _, err := db.NewUpdate().Model(full).Column("manager_id").WherePK().Exec(ctx); err != nil {
		t.Fatal(err)
	}
	want, err := database.LoadByIDs[User](ctx, db, []string{full.ID, bare.ID})
	if err != nil {
		t.Fatal(err)
	}
	var raw []byte
	if err := db.NewRaw(`SELECT json_agg(`+JSONObjectSQL+` ORDER BY pu.email DESC) FROM users pu WHERE pu.id IN (?, ?)`,
		full.ID, bare.ID).Scan(ctx, &raw); err != nil {
		t.Fatal(err)
	}
	if _, ok := decodeUsersJSON(raw); !ok {
		t.Errorf("PostgreSQL's JSON is not read without reflection: %s", raw)
	}
	got, err := DecodeJSON(raw)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]User{}
	for _, u := range want {
		byID[u.ID] = u
	}
	if len(got) != 2 {
		t.Fatalf("%d users decoded", len(got))
	}
	for _, g := range got {
		w := byID[g.ID]
		for _, tm := range [][2]*time.Time{{&g.CreatedAt, &w.CreatedAt}, {&g.UpdatedAt, &w.UpdatedAt}} {
			if !tm[0].Equal(*tm[1]) {
				t.Errorf("%s: time %v, bun reads %v", g.Email, *tm[0], *tm[1])
			}
			*tm[0] = *tm[1]
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("decoded %+v\nbun reads %+v", g, w)
		}
	}
}
