package formgen

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// File is one output file, its path relative to the root.
type File struct {
	Path    string
	Content []byte
}

// Files renders every output file for the repository at root (the resolvers file is merged with
// its current content there).
func (r *Result) Files(root string) ([]File, error) {
	registry, err := r.RegistryGo()
	if err != nil {
		return nil, err
	}
	types, err := r.TypesGo()
	if err != nil {
		return nil, err
	}
	existing, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(ResolversFile)))
	if errors.Is(err, fs.ErrNotExist) {
		existing, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	resolvers, err := r.ResolversGo(existing)
	if err != nil {
		return nil, err
	}
	return []File{
		{SDLFile, r.SDL()},
		{RegistryFile, registry},
		{TypesFile, types},
		{ResolversFile, resolvers},
	}, nil
}

// Generate loads the schema under root, validates the procedures and writes the output files
// (only those whose content changes). It returns the paths written.
func Generate(root string) ([]string, error) {
	res, err := Load(root)
	if err != nil {
		return nil, err
	}
	files, err := res.Files(root)
	if err != nil {
		return nil, err
	}
	var written []string
	for _, f := range files {
		path := filepath.Join(root, filepath.FromSlash(f.Path))
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, f.Content) {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return written, err
		}
		if err := os.WriteFile(path, f.Content, 0o644); err != nil {
			return written, err
		}
		written = append(written, f.Path)
	}
	return written, nil
}

// Check reports the output files that are not what Generate would write.
func Check(root string) ([]string, error) {
	res, err := Load(root)
	if err != nil {
		return nil, err
	}
	files, err := res.Files(root)
	if err != nil {
		return nil, err
	}
	var stale []string
	for _, f := range files {
		old, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f.Path)))
		if err != nil || !bytes.Equal(old, f.Content) {
			stale = append(stale, f.Path)
		}
	}
	return stale, nil
}

// Main is cmd/formgen: it returns the process exit status (1 when the schema is invalid, with one
// file:line message per problem on stderr; 2 on bad usage).
func Main(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("formgen", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() { fmt.Fprint(stderr, usage) }
	root := fl.String("root", ".", "the repository root")
	check := fl.Bool("check", false, "write nothing; fail when an output file is out of date")
	verbose := fl.Bool("v", false, "list the files written")
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fl.NArg() > 0 {
		fmt.Fprintf(stderr, "formgen: unexpected argument %q\n%s", fl.Arg(0), usage)
		return 2
	}
	if *check {
		stale, err := Check(*root)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		for _, p := range stale {
			fmt.Fprintf(stderr, "formgen: %s is out of date; run go generate ./...\n", p)
		}
		if len(stale) > 0 {
			return 1
		}
		return 0
	}
	written, err := Generate(*root)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if *verbose {
		for _, p := range written {
			fmt.Fprintf(stdout, "formgen: wrote %s\n", p)
		}
	}
	return 0
}

const usage = `formgen — generates the mechanical parts of the procedure forms from their schema.

Needs: the repository (-root); go generate ./... runs it before gqlgen.

Usage: formgen [-root DIR] [-check] [-v]

Reads schema/*.graphqls and schema/procedures/*.graphqls under DIR (default: the current
directory), validates the @procedure types and writes ` + SDLFile + `,
` + RegistryFile + `, ` + TypesFile + ` and
` + ResolversFile + `. -check writes nothing and fails when a file is out of date
(note that gqlgen rewrites ` + ResolversFile + ` after formgen). -v lists the files written.
`
