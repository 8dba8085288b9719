// The Benthos peer of the gateway benchmark (bench/run): Benthos 4.27.0 with only the components
// it uses (http_server in, kafka_franz out, and the pure processors its config language needs).
// The stock binary imports components/all, which pulls a module the Go proxy refuses.
package main

import (
	"context"

	"github.com/benthosdev/benthos/v4/public/service"

	_ "github.com/benthosdev/benthos/v4/public/components/io"
	_ "github.com/benthosdev/benthos/v4/public/components/kafka"
	_ "github.com/benthosdev/benthos/v4/public/components/pure"
)

func main() {
	service.RunCLI(context.Background())
}
