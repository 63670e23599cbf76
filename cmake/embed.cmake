# Writes the bytes of INPUT as a C initializer list ("0x95,0x04,...") to
# OUTPUT, for a file the library carries inside it (the .mo catalogs of
# po/, see src/bot/builtin.c). Run as: cmake -DINPUT=f -DOUTPUT=g -P embed.cmake
file(READ ${INPUT} hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
file(WRITE ${OUTPUT} "${bytes}\n")
