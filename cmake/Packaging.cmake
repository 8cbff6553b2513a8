# Install rules and the Debian packages (docs/operations.md, "Installing from the package").
#
#   cmake --build build && (cd build && cpack -G DEB)
#
# makes two packages from one build: accord-gateway (the daemon, its systemd unit, the packaged
# /etc/accord configuration, the data directory /var/lib/accord, the docs) and accord (the CLI).
# The layout is Debian's whatever CMAKE_INSTALL_PREFIX says: the packages install under /usr,
# /etc/accord and /var/lib/accord (CPack stages them with DESTDIR, so building a package needs
# no root and writes nothing outside the build tree).
include(GNUInstallDirs)

set(ACCORD_PKG_DIR ${PROJECT_SOURCE_DIR}/packaging)
set(ACCORD_CONFIG_DIR /etc/accord)
set(ACCORD_UNIT_DIR /lib/systemd/system)
set(ACCORD_DOC_DIR /usr/share/doc/accord-gateway)
set(ACCORD_GATEWAY_BIN /usr/bin/accord-gateway)

# `cpack` (and `cmake --install`) take the binaries as built: packaging never starts a build of
# everything, which in a test would rebuild under ctest's feet. Build first.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

# --- accord-gateway ---------------------------------------------------------------------------
install(TARGETS accord-gateway RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT gateway)
configure_file(${ACCORD_PKG_DIR}/systemd/accord-gateway.service.in
               ${PROJECT_BINARY_DIR}/packaging/accord-gateway.service @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/packaging/accord-gateway.service
        DESTINATION ${ACCORD_UNIT_DIR} COMPONENT gateway)

# /etc/accord: the packaged configuration. Every file here is a conffile (listed below).
set(ACCORD_CONFFILES
    gateway.yaml agencies.yaml vocabulary.yaml
    compliance/victims-code.yaml compliance/bank-holidays-england-and-wales.yaml
    agreements/README)
install(FILES ${ACCORD_PKG_DIR}/config/gateway.yaml ${ACCORD_PKG_DIR}/config/agencies.yaml
              ${PROJECT_SOURCE_DIR}/config/vocabulary.yaml
        DESTINATION ${ACCORD_CONFIG_DIR} COMPONENT gateway)
install(FILES ${PROJECT_SOURCE_DIR}/config/compliance/victims-code.yaml
              ${PROJECT_SOURCE_DIR}/config/compliance/bank-holidays-england-and-wales.yaml
        DESTINATION ${ACCORD_CONFIG_DIR}/compliance COMPONENT gateway)
install(FILES ${ACCORD_PKG_DIR}/config/agreements-README RENAME README
        DESTINATION ${ACCORD_CONFIG_DIR}/agreements COMPONENT gateway)
# tls/ for the operator's certificates and the data directory with the two directories the
# packaged config names: 0750 from the start, handed to the accord user by postinst (tls/
# root:accord, the rest accord:accord). No key or certificate is ever packaged.
set(empty ${PROJECT_BINARY_DIR}/packaging/empty)
foreach(dir tls accord accord/keys accord/signatures)
  file(MAKE_DIRECTORY ${empty}/${dir})
endforeach()
set(private_dir DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ
                GROUP_EXECUTE)
install(DIRECTORY ${empty}/tls DESTINATION ${ACCORD_CONFIG_DIR} COMPONENT gateway ${private_dir})
install(DIRECTORY ${empty}/accord DESTINATION /var/lib COMPONENT gateway ${private_dir})

# Docs and the sample London partnership as examples (not configuration).
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${ACCORD_DOC_DIR} COMPONENT gateway)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${ACCORD_DOC_DIR} COMPONENT gateway)
install(FILES ${PROJECT_SOURCE_DIR}/config/london.yaml ${PROJECT_SOURCE_DIR}/config/agencies.yaml
              ${PROJECT_SOURCE_DIR}/config/vocabulary.yaml
        DESTINATION ${ACCORD_DOC_DIR}/examples COMPONENT gateway)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/config/agreements ${PROJECT_SOURCE_DIR}/config/compliance
                  ${PROJECT_SOURCE_DIR}/config/ha ${PROJECT_SOURCE_DIR}/examples/zmq-adapter
        DESTINATION ${ACCORD_DOC_DIR}/examples COMPONENT gateway
        PATTERN "__pycache__" EXCLUDE)

# --- accord (the CLI) -------------------------------------------------------------------------
install(TARGETS accord RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT cli)
install(FILES ${ACCORD_PKG_DIR}/cli-README DESTINATION /usr/share/doc/accord RENAME README
        COMPONENT cli)

# --- CPack: two Debian packages ---------------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME accord)
set(CPACK_PACKAGE_VENDOR "Accord")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_CONTACT "Accord maintainers <accord@localhost>" CACHE STRING
    "Maintainer of the Debian packages")
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL gateway cli)
set(CPACK_STRIP_FILES ON)  # debug line tables stay in the build tree, not on the servers
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${CPACK_PACKAGE_CONTACT}")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # dpkg-shlibdeps: the runtime libraries' packages
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_GATEWAY_PACKAGE_NAME accord-gateway)
set(CPACK_DEBIAN_GATEWAY_PACKAGE_SECTION net)
set(CPACK_DEBIAN_GATEWAY_PACKAGE_DEPENDS adduser)  # postinst; the libraries come from shlibdeps
set(CPACK_DEBIAN_GATEWAY_PACKAGE_RECOMMENDS accord)
set(CPACK_COMPONENT_GATEWAY_DESCRIPTION "secure multi-agency message gateway (daemon)
Accord shares case updates about victims and witnesses between police forces, the CPS,
Witness Care Units, courts, probation and victim-service providers over mutual TLS, as
data-sharing agreements allow, with a tamper-evident audit log. This package holds the
gateway daemon, its systemd unit, the configuration in /etc/accord and the data
directory /var/lib/accord.")
set(CPACK_DEBIAN_CLI_PACKAGE_NAME accord)
set(CPACK_DEBIAN_CLI_PACKAGE_SECTION utils)
set(CPACK_COMPONENT_CLI_DESCRIPTION "secure multi-agency message gateway (command-line tool)
The accord command: send and receive case updates as an agency, manage keys, validate
and sign agreements, query and verify the audit log, redrive dead letters, back up and
migrate a gateway's spool.")

# conffiles and maintainer scripts of accord-gateway.
list(TRANSFORM ACCORD_CONFFILES PREPEND ${ACCORD_CONFIG_DIR}/)
list(JOIN ACCORD_CONFFILES "\n" conffiles)
file(WRITE ${PROJECT_BINARY_DIR}/packaging/deb/conffiles "${conffiles}\n")
set(CPACK_DEBIAN_GATEWAY_PACKAGE_CONTROL_EXTRA
    ${PROJECT_BINARY_DIR}/packaging/deb/conffiles ${ACCORD_PKG_DIR}/debian/postinst
    ${ACCORD_PKG_DIR}/debian/prerm ${ACCORD_PKG_DIR}/debian/postrm)

include(CPack)
