import gc

import pytest

from jingfang.core import gcpause


def test_the_collector_is_paused_inside_and_back_on_after_an_error():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), gcpause.paused():
        assert not gc.isenabled()
        raise RuntimeError
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off():
    gc.disable()
    try:
        with gcpause.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
