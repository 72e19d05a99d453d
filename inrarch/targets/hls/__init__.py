"""HLS C++ printing, Vitis project files and C-simulation."""
