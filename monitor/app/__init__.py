"""Application services: wire the Qt-free core (devices, storage) into running sessions."""
