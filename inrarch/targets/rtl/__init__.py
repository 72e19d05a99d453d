"""The RTL target: a fixed-point dataflow design as Verilog (generated with Amaranth), simulated cycle by cycle
with Verilator and synthesized with Yosys for UltraScale+, to measure what the hardware model predicts."""
