package main

import (
	"fmt"
	"strings"
)

// summary is the last line: every figure against its target, and which targets are met.
func (r *report) summary() string {
	var parts, missed []string
	met, total := 0, 0
	check := func(name string, ok bool) string {
		total++
		if ok {
			met++
			return "✓"
		}
		missed = append(missed, name)
		return "✗"
	}
	var ok50, ok99, n int
	var worst50, worst99 listFigure
	failed := 0
	for _, l := range r.lists {
		if l.s.err != nil {
			failed++
			continue
		}
		n++
		if l.s.p(0.5) <= targetP50 {
			ok50++
		}
		if l.s.p(0.99) <= targetP99 {
			ok99++
		}
		if l.s.p(0.5) > worst50.s.p(0.5) {
			worst50 = l
		}
		if l.s.p(0.99) > worst99.s.p(0.99) {
			worst99 = l
		}
	}
	failNote := ""
	if failed > 0 {
		failNote = fmt.Sprintf(", %d failed", failed)
	}
	parts = append(parts, fmt.Sprintf("list pages p50 ≤ %v: %d/%d%s (worst %s %s %s) %s", targetP50, ok50, n, failNote,
		ms(worst50.s.p(0.5)), worst50.who, worst50.what, check("list p50", ok50 == n && failed == 0)))
	parts = append(parts, fmt.Sprintf("p99 ≤ %v: %d/%d (worst %s %s %s) %s", targetP99, ok99, n,
		ms(worst99.s.p(0.99)), worst99.who, worst99.what, check("list p99", ok99 == n && failed == 0)))
	if len(r.rates) > 0 {
		minRate, minRatio, minFixed, maxEmpty := r.rates[0], r.rates[0], r.rates[0], r.rates[0]
		var each, eachFixed []string
		for _, f := range r.rates {
			if f.casegate.perSec < minRate.casegate.perSec {
				minRate = f
			}
			if ratio(f) < ratio(minRatio) {
				minRatio = f
			}
			if fixedRatio(f) < fixedRatio(minFixed) {
				minFixed = f
			}
			if emptyRatio(f) > emptyRatio(maxEmpty) {
				maxEmpty = f
			}
			each = append(each, fmt.Sprintf("%s %.0f/%.0f", f.who, f.casegate.perSec, f.base.perSec))
			eachFixed = append(eachFixed, fmt.Sprintf("%s %.0f/%.0f", f.who, f.casegate.perSec, f.fixed.perSec))
		}
		parts = append(parts, fmt.Sprintf("case(id) at %d clients min %.0f req/s (%s) %s", r.clients, minRate.casegate.perSec, minRate.who,
			check("case(id) rate", minRate.casegate.perSec >= targetRate)))
		parts = append(parts, fmt.Sprintf("casegate/baseline min %.2f (%s; %s) %s", ratio(minRatio), minRatio.who, strings.Join(each, ", "),
			check("casegate/baseline", ratio(minRatio) >= targetRatio)))
		parts = append(parts, fmt.Sprintf("casegate/fixed baseline min %.2f (%s; %s; an empty operation at most %.2f) %s", fixedRatio(minFixed), minFixed.who,
			strings.Join(eachFixed, ", "), emptyRatio(maxEmpty), check("casegate/fixed baseline", fixedRatio(minFixed) >= targetFixedRatio)))
	}
	parts = append(parts, fmt.Sprintf("RSS %d MiB, peak %d MiB ≤ %d MiB %s", r.rssKB/1024, r.hwmKB/1024, targetRSSMiB,
		check("RSS", r.hwmKB/1024 <= targetRSSMiB)))
	verdict := fmt.Sprintf("targets met %d/%d", met, total)
	if len(missed) > 0 {
		verdict += "; missed: " + strings.Join(missed, ", ")
	}
	return "SUMMARY " + strings.Join(parts, " | ") + " | " + verdict
}

func ratio(f rateFigure) float64 {
	if f.base.perSec == 0 {
		return 0
	}
	return f.casegate.perSec / f.base.perSec
}

func fixedRatio(f rateFigure) float64 {
	if f.fixed.perSec == 0 {
		return 0
	}
	return f.casegate.perSec / f.fixed.perSec
}

// emptyRatio is what `{ __typename }` reaches against the fixed baseline: no operation does more.
func emptyRatio(f rateFigure) float64 {
	if f.fixed.perSec == 0 {
		return 0
	}
	return f.empty.perSec / f.fixed.perSec
}
