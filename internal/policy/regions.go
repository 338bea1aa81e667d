package policy

import (
	"regexp"
	"slices"
)

//go:generate go run gen_regions.go

// regionRE holds the compiled regionPatterns.
var regionRE = func() map[string]*regexp.Regexp {
	m := make(map[string]*regexp.Regexp, len(regionPatterns))
	for p, re := range regionPatterns {
		m[p] = regexp.MustCompile(re)
	}
	return m
}()

// IsPartition reports whether p is an AWS partition (aws, aws-cn, aws-us-gov, …).
func IsPartition(p string) bool { return regionRE[p] != nil }

// IsRegion reports whether region is a region name of partition, by the
// SDK's pattern for that partition (so a region AWS opens later is known
// as soon as it follows the pattern). Pseudo-regions such as aws-global
// are not regions.
func IsRegion(partition, region string) bool {
	re := regionRE[partition]
	return re != nil && re.MatchString(region)
}

// Regions returns the region names of a partition that this build's SDK
// knows, sorted; nil for an unknown partition.
func Regions(partition string) []string { return slices.Clone(regionNames[partition]) }

// KnownRegion reports whether region is a region name of any partition
// this build's SDK knows, and which partition.
func KnownRegion(region string) (partition string, ok bool) {
	for p, names := range regionNames {
		if slices.Contains(names, region) {
			return p, true
		}
	}
	return "", false
}
