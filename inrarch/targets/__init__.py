"""inrarch's targets beyond the HLS C++ (`inrarch.targets.hls`): `rtl`, the measured twin of a fixed-point design."""
