# Turns a data file into a C source: const char SYM[] (NUL-terminated) and SYM_len.
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" n)
math(EXPR len "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
file(WRITE ${OUT} "#include <stddef.h>\nconst char ${SYM}[] = {${body}0x00};\nconst size_t ${SYM}_len = ${len};\n")
