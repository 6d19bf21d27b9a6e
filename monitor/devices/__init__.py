"""Qt-free device layer: bytes from a bedside monitor in, samples and device status out."""
