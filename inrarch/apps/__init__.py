"""Applications built on the compiler: the model zoo (`models`), PyTorch references for the derivatives
(`reference`), the demo, the benchmark and the fuzz suite. The compiler itself (`inrarch`, its dialects and
passes) does not depend on them, except `inrarch.compile`, which writes PyTorch's derivatives as a project's
golden data."""
