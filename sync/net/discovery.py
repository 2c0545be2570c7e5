"""Finding the master on the mairie's LAN: zeroconf (mDNS / DNS-SD).

The master advertises ``_table-conseil._tcp``; a seat browses for it. What
zeroconf says is only where to knock: anyone on the LAN can advertise
anything, so a seat trusts no TXT record and no name, only the certificate
fingerprint it pinned when it was paired (client.py checks it on connect).
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass

from zeroconf import IPVersion, ServiceStateChange, Zeroconf
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

from sync.net.protocol import PROTOCOL, SERVICE_TYPE


@dataclass(frozen=True)
class FoundTable:
    name: str
    host: str
    port: int


def lan_addresses() -> list[str]:
    """This computer's IPv4 addresses on its networks (loopback left out)."""
    import ifaddr  # zeroconf's own dependency

    return sorted(
        {
            ip.ip
            for adapter in ifaddr.get_adapters()
            for ip in adapter.ips
            if isinstance(ip.ip, str) and not ip.ip.startswith("127.")
        }
    )


def _instance(name: str) -> str:
    clean = "".join(c if c.isalnum() or c in " -_" else " " for c in name).strip() or "Table"
    return f"{clean[:60]}.{SERVICE_TYPE}"


class Advertiser:
    """The master's announcement on the LAN, while the feed server runs."""

    def __init__(
        self, name: str, port: int, addresses: list[str], interfaces: list[str] | None = None
    ):
        self.info = AsyncServiceInfo(
            SERVICE_TYPE,
            _instance(name),
            addresses=[socket.inet_aton(a) for a in addresses],
            port=port,
            properties={"protocol": PROTOCOL},
            server=f"{socket.gethostname() or 'table'}.local.",
        )
        self._zeroconf = AsyncZeroconf(
            interfaces=interfaces or addresses, ip_version=IPVersion.V4Only
        )

    async def start(self) -> None:
        await self._zeroconf.async_register_service(self.info, allow_name_change=True)

    async def stop(self) -> None:
        await self._zeroconf.async_unregister_service(self.info)
        await self._zeroconf.async_close()


async def find_tables(
    within_s: float = 3.0, interfaces: list[str] | None = None
) -> list[FoundTable]:
    """The tables that answer on the LAN within ``within_s`` seconds."""
    zeroconf = AsyncZeroconf(interfaces=interfaces or ["0.0.0.0"], ip_version=IPVersion.V4Only)
    names: set[str] = set()
    seen = asyncio.Event()

    def on_change(
        zeroconf: Zeroconf, service_type: str, name: str, state_change: ServiceStateChange
    ) -> None:
        if state_change is not ServiceStateChange.Removed:
            names.add(name)
            seen.set()

    browser = AsyncServiceBrowser(zeroconf.zeroconf, SERVICE_TYPE, handlers=[on_change])
    try:
        try:
            await asyncio.wait_for(seen.wait(), within_s)
        except TimeoutError:
            return []
        await asyncio.sleep(0.2)  # others answering at the same moment
        found = []
        for name in sorted(names):
            info = AsyncServiceInfo(SERVICE_TYPE, name)
            if await info.async_request(zeroconf.zeroconf, 2000) and info.port:
                for host in info.parsed_addresses(IPVersion.V4Only):
                    found.append(FoundTable(name.removesuffix("." + SERVICE_TYPE), host, info.port))
        return found
    finally:
        await browser.async_cancel()
        await zeroconf.async_close()


__all__ = ["Advertiser", "FoundTable", "find_tables", "lan_addresses"]
