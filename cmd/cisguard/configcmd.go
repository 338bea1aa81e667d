package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"
)

func newConfigCmd(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "config",
		Short: "Check a configuration file",
	}
	c.AddCommand(&cobra.Command{
		Use:   "validate --config FILE",
		Short: "Check a configuration file and print the effective settings",
		Long: `Load the configuration given with --config (the defaults without it), report
every mistake with its key path and line, and print the settings cisguard
would run with: every global setting and every control's mode and
parameters, defaults filled in.

Exit status: 0 when the file is valid, 2 when it is not.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := loadSettings(g.configPath)
			if err != nil {
				return &exitError{code: exitBadInput, err: err}
			}
			name := g.configPath
			if name == "" {
				name = "no --config given: the defaults"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "# %s: valid. Effective settings:\n", name)
			return writeEffective(cmd.OutOrStdout(), s)
		},
	})
	return c
}

// writeEffective prints the configuration as cisguard will use it, as YAML
// that is itself a valid configuration file.
func writeEffective(w io.Writer, s *settings) error {
	cfg := *s.Config
	cfg.Controls = nil
	update := cfg.SecurityHub.Update()
	cfg.SecurityHub.UpdateFindings = &update
	var doc yaml.Node
	if err := doc.Encode(cfg); err != nil {
		return err
	}
	// Drop the empty controls key of the global part; the resolved
	// per-control settings follow in benchmark order.
	root := &doc
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "controls" {
			root.Content = append(root.Content[:i], root.Content[i+2:]...)
			break
		}
	}
	ctl := &yaml.Node{Kind: yaml.MappingNode}
	for _, st := range s.Settings.All() {
		m := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
		m.Content = append(m.Content, scalar("mode"), scalar(string(st.Mode)))
		if st.Params != nil {
			var p yaml.Node
			if err := p.Encode(st.Params); err != nil {
				return err
			}
			m.Content = append(m.Content, p.Content...)
		}
		key := scalar(st.Control.ID)
		key.Style = yaml.DoubleQuotedStyle
		ctl.Content = append(ctl.Content, key, m)
	}
	root.Content = append(root.Content, scalar("controls"), ctl)
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return err
	}
	return enc.Close()
}

func scalar(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: v} }
