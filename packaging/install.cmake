# install.cmake: the install-time part of packaging/CMakeLists.txt. The default
# configuration goes to /etc/default when installing into /usr (the .deb), else under the
# prefix (PREFIX/etc/default), so a prefix install never writes outside its prefix; the
# unit names the binary where this install puts it. (file(INSTALL) adds DESTDIR itself.)
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(_etc "/etc")
else()
  set(_etc "${CMAKE_INSTALL_PREFIX}/etc")
endif()
file(INSTALL "${ECCPD_PACKAGING_DIR}/eccpd.default" DESTINATION "${_etc}/default"
     RENAME eccpd PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
set(ECCPD_BINDIR "${CMAKE_INSTALL_PREFIX}/bin")
configure_file("${ECCPD_PACKAGING_DIR}/eccpd.service.in" "${ECCPD_BUILD_DIR}/eccpd.service" @ONLY)
file(INSTALL "${ECCPD_BUILD_DIR}/eccpd.service"
     DESTINATION "${CMAKE_INSTALL_PREFIX}/lib/systemd/system"
     PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
