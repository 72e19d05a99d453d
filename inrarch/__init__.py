"""inrarch: nth-order input gradients of implicit neural representations, compiled to FPGA dataflow designs."""
