"""inrarch's targets beyond the HLS C++ (`inrarch.hls`): `rtl`, the measured twin of a fixed-point design."""
