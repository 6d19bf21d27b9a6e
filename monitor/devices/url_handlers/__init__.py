"""pyserial URL handlers of this program (pyserial's own extension point, `serial.protocol_handler_packages`):
`udp://HOST:PORT` (protocol_udp). Importing this package registers them."""

import serial

if __name__ not in serial.protocol_handler_packages:
    serial.protocol_handler_packages.append(__name__)
