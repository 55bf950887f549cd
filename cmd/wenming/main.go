// Command wenming runs the civilised-city campaign system. See internal/cli.
package main

import (
	"os"

	"github.com/wenming-city/wenming/internal/cli"
)

func main() { os.Exit(cli.Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }
