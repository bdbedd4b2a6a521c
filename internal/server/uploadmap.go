package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// maxUploadFiles bounds the files of one multipart request. casegate's mutations take one file
// each (addAttachment, replaceAttachment), so a handful leaves room for a batch of aliased
// mutations; every file of a spooled request is a temporary file and an open descriptor until the
// request ends, so the bound keeps one request from using up the process's descriptors.
const maxUploadFiles = 10

// checkUploadMap refuses an upload map (GraphQL multipart request: file key → paths into the
// operations) that gqlgen would follow unsafely: gqlgen opens a spooled file once per path and
// keeps every copy open until the request ends, and it indexes the variables along a path without
// checking bounds or types, so a path that does not name a slot panics. A map is accepted when it
// has at most maxUploadFiles files, each with exactly one path of its own, and each path names a null in the
// variables: "variables." followed by object keys and, for lists, indexes in range (a segment
// that is a number is a list index to gqlgen, so it must be one here too).
func checkUploadMap(operations, uploadMap []byte) error {
	var files map[string][]string
	if err := json.Unmarshal(uploadMap, &files); err != nil {
		return errors.New("the upload map is not an object of lists of paths")
	}
	if len(files) > maxUploadFiles {
		return fmt.Errorf("the upload has %d files, over the limit of %d", len(files), maxUploadFiles)
	}
	var ops struct{ Variables any }
	d := json.NewDecoder(bytes.NewReader(operations))
	d.UseNumber()
	if err := d.Decode(&ops); err != nil {
		return errors.New("the operations of the upload are not a GraphQL request object")
	}
	taken := map[string]string{} // path → file: gqlgen would keep only the last file for a path
	for key, paths := range files {
		if len(paths) != 1 {
			return fmt.Errorf("file %q of the upload map has %d paths; each file goes to exactly one variable", key, len(paths))
		}
		if !namesNull(ops.Variables, paths[0]) {
			return fmt.Errorf("path %q of file %q of the upload map does not name a null variable", paths[0], key)
		}
		if other, ok := taken[paths[0]]; ok {
			return fmt.Errorf("files %q and %q of the upload map go to the same variable %q", other, key, paths[0])
		}
		taken[paths[0]] = key
	}
	return nil
}

// namesNull reports whether path ("variables.a.0.b") leads through vars to an existing null.
func namesNull(vars any, path string) bool {
	rest, ok := strings.CutPrefix(path, "variables.")
	if !ok {
		return false
	}
	v := vars
	for _, seg := range strings.Split(rest, ".") {
		if i, err := strconv.Atoi(seg); err == nil {
			list, ok := v.([]any)
			if !ok || i < 0 || i >= len(list) {
				return false
			}
			v = list[i]
			continue
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return false
		}
		if v, ok = obj[seg]; !ok {
			return false
		}
	}
	return v == nil
}
