"""Adapters of the bulk channels: the import XML, Excel workbooks, remote sources (HTTP,
SFTP, FTP) and the CIAN feed's XML. Services reach them through small interfaces."""
