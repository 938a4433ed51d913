package harness

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strings"
)

// DigAt runs "dig @host -p port name A +noall +answer +comments" and returns its output.
func DigAt(ctx context.Context, addr, name string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", err
	}
	bin, err := Binary("", "dig")
	if err != nil {
		return "", err
	}
	out, err := exec.CommandContext(ctx, bin, "@"+host, "-p", port, name, "A", "+norecurse", "+time=2", "+tries=1").CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("dig: %w: %s", err, out)
	}
	return string(out), nil
}

// DigShort returns dig's +short answer lines for a name.
func DigShort(ctx context.Context, addr, name string) ([]string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	bin, err := Binary("", "dig")
	if err != nil {
		return nil, err
	}
	out, err := exec.CommandContext(ctx, bin, "@"+host, "-p", port, name, "A", "+short", "+norecurse", "+time=2", "+tries=1").Output()
	if err != nil {
		return nil, fmt.Errorf("dig: %w", err)
	}
	return strings.Fields(string(out)), nil
}
