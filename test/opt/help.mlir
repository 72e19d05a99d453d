// `inrarch-opt --help` leads with inrarch's passes, each with its summary and its options (type and default, read
// from the pass's dataclass fields); the driver's options follow, then xDSL's passes and the targets.
// RUN: inrarch-opt --help | filecheck %s
// CHECK:      usage: inrarch-opt
// CHECK:      inrarch's passes (--NAME, --NAME=OPT=VALUE,OPT=VALUE, or -p 'NAME{OPT=VALUE OPT=VALUE},NAME'):
// CHECK-NEXT:   --inr-fold-constants: Folds
// CHECK-NEXT:   --inr-autodiff: Expands inr.grad
// CHECK-NEXT:       order: an integer (default: unset)
// CHECK-NEXT:       mode: a string (default: taylor)
// CHECK-NEXT:       layout: a string (default: insp)
// CHECK:        --dataflow-fixed-point: Chooses fixed-point formats
// CHECK:            precision: a string (default: auto)
// CHECK-NEXT:       error: a number (default: 0.001)
// CHECK:        --dataflow-parallelize: Picks
// CHECK:            dsp: an integer (default: unset)
// CHECK:            clock-mhz: a number (default: unset)
// CHECK:        --dataflow-fifo-depth: Sizes
// CHECK:            trim: true or false (default: true)
// CHECK:        --dataflow-fifo-margin: Adds `tokens` to the depth of every FIFO.
// CHECK-NEXT:       tokens: an integer (default: 1)
// CHECK:      options:
// CHECK:        --time-passes         print the time of parsing, of each pass, of printing,
// CHECK:        --mlir-elide-elementsattrs-if-larger N
// CHECK:      xDSL's passes ({{[0-9]+}}; -p or --NAME, options as xDSL defines them):
// CHECK-NEXT:   apply-individual-rewrite,
// CHECK:      {{^}}  {{.*}}canonicalize,
// CHECK:      targets (-t; inrarch's: hls, rtl
// CHECK-NEXT:   hls, rtl,
// No pass shows dataclass's generated signature, and inrarch's passes are not listed again among xDSL's.
// RUN: inrarch-opt --help | not grep -e 'Pass(' -e ', inr-autodiff,' -e ', dataflow-lower,'

// A misspelled pass, flag or option: the closest known name; a value of the wrong type: what the option expects.
// RUN: not inrarch-opt %s --inr-autodif=order=2 2>&1 | filecheck %s --check-prefix=PASS
// PASS: error: unknown pass or option: --inr-autodif=order=2 (did you mean --inr-autodiff?)
// RUN: not inrarch-opt %s -p 'inr-autodif{order=2}' 2>&1 | filecheck %s --check-prefix=PIPELINE
// PIPELINE: error: invalid pass pipeline: Unrecognized passes: ['inr-autodif'] (did you mean inr-autodiff?)
// RUN: not inrarch-opt %s --time-pases 2>&1 | filecheck %s --check-prefix=FLAG
// FLAG: error: unknown pass or option: --time-pases (did you mean --time-passes?)
// RUN: not inrarch-opt %s --inr-autodiff=ordr=2 2>&1 | filecheck %s --check-prefix=OPTION
// OPTION: error: invalid pass pipeline: inr-autodiff has no option 'ordr' (did you mean order?); its options: order, mode, layout, func, scale, first, cse, max-gb{{$}}
// RUN: not inrarch-opt %s --dataflow-lower=clock_mhs=300 2>&1 | filecheck %s --check-prefix=HYPHEN
// HYPHEN: error: invalid pass pipeline: dataflow-lower has no option 'clock_mhs' (did you mean clock-mhz?)
// RUN: not inrarch-opt %s --inr-autodiff=order=three 2>&1 | filecheck %s --check-prefix=TYPE
// TYPE: error: invalid pass pipeline: inr-autodiff: option order expects an integer, got 'three'{{$}}
// RUN: not inrarch-opt %s --dataflow-lower=quiet=maybe 2>&1 | filecheck %s --check-prefix=BOOL
// BOOL: error: invalid pass pipeline: dataflow-lower: option quiet expects true or false, got 'maybe'{{$}}
// RUN: not inrarch-opt %s --dataflow-lower=dsp=1,2 2>&1 | filecheck %s --check-prefix=LIST
// LIST: error: invalid pass pipeline: dataflow-lower: option dsp expects an integer, got 1,2{{$}}
// RUN: not inrarch-opt %s -p 'cse{nonsense=1}' 2>&1 | filecheck %s --check-prefix=NONE
// NONE: error: invalid pass pipeline: cse has no option 'nonsense'; it has no options{{$}}

func.func @f() {
  func.return
}
